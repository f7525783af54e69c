/* lambdakit-launcher: a runtime's process, started ahead of time and parked in a fresh memory
 * cgroup, so that the runtime is born in its cgroup rather than moved there (moving a task
 * between cgroup v1 memory cgroups costs about 10 ms, a whole cold start).
 *
 * It reads one spec from fd 3 until end of file, then becomes the runtime with execve:
 *   cwd NUL argc NUL argv[0] NUL ... argv[argc-1] NUL envc NUL env[0] NUL ... NUL
 * stdout and stderr are already the environment's log pipe; the process group is its own.
 * End of file with no spec (the service went away) exits quietly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { max_spec = 1 << 20, max_items = 4096 };

static char spec[max_spec];

static const char* next_item(size_t* at, size_t len) {
  if (*at >= len) return NULL;
  const char* s = spec + *at;
  size_t n = strnlen(s, len - *at);
  if (*at + n >= len) return NULL; /* not NUL-terminated */
  *at += n + 1;
  return s;
}

static void fail(const char* what) {
  dprintf(2, "lambdakit-launcher: %s\n", what);
  _exit(127);
}

int main(void) {
  size_t len = 0;
  for (;;) {
    ssize_t n = read(3, spec + len, max_spec - len);
    if (n < 0) fail("cannot read the spec");
    if (n == 0) break;
    len += (size_t)n;
    if (len == max_spec) fail("spec too large");
  }
  if (len == 0) return 0;
  close(3);
  size_t at = 0;
  const char* cwd = next_item(&at, len);
  const char* argc_text = next_item(&at, len);
  if (cwd == NULL || argc_text == NULL) fail("malformed spec");
  static char* argv[max_items + 1];
  static char* envp[max_items + 1];
  long argc = strtol(argc_text, NULL, 10);
  if (argc < 1 || argc > max_items) fail("bad argc");
  for (long i = 0; i < argc; ++i) {
    argv[i] = (char*)next_item(&at, len);
    if (argv[i] == NULL) fail("malformed argv");
  }
  argv[argc] = NULL;
  const char* envc_text = next_item(&at, len);
  long envc = envc_text != NULL ? strtol(envc_text, NULL, 10) : -1;
  if (envc < 0 || envc > max_items) fail("bad envc");
  for (long i = 0; i < envc; ++i) {
    envp[i] = (char*)next_item(&at, len);
    if (envp[i] == NULL) fail("malformed env");
  }
  envp[envc] = NULL;
  if (chdir(cwd) != 0) fail("cannot enter the task root");
  execve(argv[0], argv, envp);
  dprintf(2, "lambdakit-launcher: cannot start %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}
