/* lambdakit-launcher: a runtime's process, started ahead of time and parked in a fresh memory
 * cgroup, so that the runtime is born in its cgroup rather than moved there (moving a task
 * between cgroup v1 memory cgroups costs about 10 ms, a whole cold start).
 *
 * It reads one spec from fd 3 until end of file, then becomes the runtime with execve:
 *   cwd NUL argc NUL argv[0] NUL ... argv[argc-1] NUL envc NUL env[0] NUL ... NUL
 * stdout and stderr are already the environment's log pipe; the process group is its own.
 * End of file with no spec (the service went away) exits quietly.
 *
 * Run with arguments instead (`lambdakit-launcher ARGS...`), it uses its own argv and environ:
 * that is how the service starts a sandboxed runtime when no launcher is parked.
 *
 * `--status-fd=N`, when it comes first, is the service's structured channel for a launch that
 * failed: the launcher marks N close-on-exec, so a successful execve closes it (the service reads
 * end of file, nothing else), and a failure writes one line "exec: WHY" (the runtime could not
 * be started: not found, not executable, no interpreter) or "launcher: WHY" (a malformed spec, a
 * sandbox step refused) before exiting. The same text goes to stderr, the function's log.
 * `lambdakit-launcher --park-in-namespaces` is a parked one that creates the sandbox's
 * namespaces before it waits for its spec, so that work is done off the cold-start path.
 *
 * Either way the runtime's argv may start with a sandbox request (see sandbox.h):
 *   --sandbox=namespaces|hermetic TASK_ROOT TMP_DIR RUNTIME_DIR STAGING [OPTION]... --
 * with OPTION one of --bind=SRC:DST, --hide=DIR, --reveal=CLOSED:DIR, --user=UID:GID.
 * namespaces: new mount, IPC and UTS namespaces; TASK_ROOT read-only at /var/task, TMP_DIR at
 *   /tmp, RUNTIME_DIR (unless "-") read-only at /var/runtime, each SRC read-only at DST (an
 *   existing folder: the layers at /opt, Node's client below /var/runtime), an empty read-only
 * folder over each DIR (the service's state: code store, database, other environments' /tmp),
 * private /dev/shm and /var/tmp, the rest of the file system as it is. hermetic: the same, but the
 * root is a fresh tmpfs holding only /var/task, /tmp, /proc, /dev and each DST of a --bind: nothing
 * of this machine's libraries is visible (what a zip needs, it must carry).
 * --reveal: an empty folder over CLOSED (a folder others cannot search, root's home say) with
 *   DIR, below it, back in place read-only: the program the runtime runs (a Python there) stays
 *   reachable for --user, nothing else of CLOSED does.
 * Either mode: at most 1,024 open files (RLIMIT_NOFILE), as on Lambda.
 * --user: the runtime runs as UID:GID with no supplementary groups, no capabilities and
 *   no_new_privs (the service is root; Lambda's runtimes run as uid 993, sbx_user1051).
 *
 * PID namespace. When the service started the launcher as pid 1 of a new PID namespace, the
 * launcher mounts that namespace's /proc and, once its command is known, stays there as its
 * init: it forks the process that becomes the runtime (not pid 1, so the runtime has ordinary
 * signal semantics; its pid there is the init's pid on this machine; ~30 us on the cold path,
 * after the service moved the init into its cgroup), reaps every orphan,
 * and when the runtime ends writes "status: N" (its wait status) on the status channel and
 * exits; the kernel then kills whatever else the function left in the namespace, setsid and
 * double fork or not. The runtime sees neither the service nor any other environment. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { max_spec = 1 << 20, max_items = 4096, max_files = 1024 };

static char spec[max_spec];
static int namespaces_ready; /* unshare already done (--park-in-namespaces) */
static int status_fd = -1;   /* --status-fd: where a failed launch is reported */
static pid_t host_pid = -1;  /* as pid 1 of a PID namespace: this process's pid on the machine */

/* One line to stderr (the function's log) and, with its kind, to the status channel. */
static void report(const char* kind, const char* line) {
  dprintf(2, "lambdakit-launcher: %s\n", line);
  if (status_fd >= 0) dprintf(status_fd, "%s: %s\n", kind, line);
}

static const char* next_item(size_t* at, size_t len) {
  if (*at >= len) return NULL;
  const char* s = spec + *at;
  size_t n = strnlen(s, len - *at);
  if (*at + n >= len) return NULL; /* not NUL-terminated */
  *at += n + 1;
  return s;
}

static void fail(const char* what) {
  report("launcher", what);
  _exit(127);
}

static void fail_errno(const char* what, const char* path) {
  char line[4600];
  snprintf(line, sizeof line, "sandbox: %s %s: %s", what, path, strerror(errno));
  report("launcher", line);
  _exit(126);
}

/* Pid 1 of the environment's PID namespace: reaps every process there; when `runtime` ends,
 * reports its wait status and exits, which kills the rest of the namespace. */
static pid_t init_child = 0;

/* A shutdown's SIGTERM is the runtime's: pid 1 gets it only because it has a handler. */
static void forward_term(int sig) {
  (void)sig;
  if (init_child > 0) kill(init_child, SIGTERM);
}

static void run_init(pid_t runtime) {
  for (int fd = 0; fd < 1024; ++fd)
    if (fd != status_fd) close(fd);
  init_child = runtime;
  struct sigaction term;
  memset(&term, 0, sizeof term);
  term.sa_handler = forward_term;
  sigaction(SIGTERM, &term, NULL);
  for (;;) {
    int status = 0;
    pid_t p = wait(&status);
    if (p == runtime) {
      if (status_fd >= 0) dprintf(status_fd, "status: %d\n", status);
      _exit(0);
    }
    if (p < 0 && errno == ECHILD) _exit(0);
  }
}

/* New mount, IPC and UTS namespaces; nothing mounted in them leaks back to the service's. As
 * pid 1 of a new PID namespace, also that namespace's /proc, and the launcher stays as its init
 * while a child goes on to become the runtime. */
static void unshare_namespaces(void) {
  if (namespaces_ready) return;
  if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) != 0) fail_errno("cannot unshare", "");
  /* Nothing mounted here reaches the service's tree; what the service mounts below a shared
   * folder (the /tmp volumes it makes after this launcher was parked) still reaches here. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
    fail_errno("cannot make a follower of", "/");
  (void)sethostname("localhost", 9);
  if (getpid() == 1) {
    /* The environment ends with the service, whatever ended the service. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_errno("cannot set", "the parent-death signal");
    /* This machine's number for this process, while /proc is still this machine's. */
    char self[32] = {0};
    if (readlink("/proc/self", self, sizeof self - 1) > 0) host_pid = (pid_t)atol(self);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
      fail_errno("cannot mount", "/proc");
  }
  namespaces_ready = 1;
}

/* As pid 1: fork the process that goes on to become the runtime, and stay as init. Done once the
 * command is known, so that the service has put this process in its memory cgroup by then (a
 * child forked earlier would be outside it). */
static void start_init(void) {
  unshare_namespaces();
  pid_t runtime = -1;
  if (host_pid > 1) {
    /* The runtime's pid in the namespace is this init's pid on the machine: unique here, and
     * the pid a function logs names its environment in `ps`. */
    struct clone_args args;
    memset(&args, 0, sizeof args);
    pid_t tid = host_pid;
    args.exit_signal = SIGCHLD;
    args.set_tid = (uint64_t)(uintptr_t)&tid;
    args.set_tid_size = 1;
    runtime = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  }
  if (runtime < 0) runtime = fork(); /* that pid taken, or no clone3: the next free one */
  if (runtime < 0) fail_errno("cannot fork", "the runtime");
  if (runtime > 0) run_init(runtime);
  /* The runtime-to-be goes on; it dies with its init, as the whole namespace does. */
}

static void bind(const char* from, const char* to, int read_only) {
  if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) != 0) fail_errno("cannot bind", to);
  if (read_only &&
      mount(NULL, to, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
    fail_errno("cannot make read-only", to);
}

static void make_dir(const char* base, const char* rel) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", base, rel);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) fail_errno("cannot create", path);
}

/* `path` and the folders above it, as a file or folder like the one it will be bound from. */
static void make_path(const char* path) {
  char p[4096];
  snprintf(p, sizeof p, "%s", path);
  for (char* c = p + 1; *c != '\0'; ++c) {
    if (*c != '/') continue;
    *c = '\0';
    if (mkdir(p, 0755) != 0 && errno != EEXIST) fail_errno("cannot create", p);
    *c = '/';
  }
  if (mkdir(p, 0755) != 0 && errno != EEXIST) fail_errno("cannot create", p);
}

/* A path held open (O_PATH), so that a later mount over one of its parents cannot redirect it;
 * it is mounted from /proc/self/fd/N. */
struct held {
  char proc_path[32];
};

static void hold(struct held* h, const char* path) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot open", path);
  snprintf(h->proc_path, sizeof h->proc_path, "/proc/self/fd/%d", fd);
}

static void at(char* out, size_t n, const char* base, const char* rel) {
  snprintf(out, n, "%s/%s", base, rel);
}

/* An empty read-only folder over `dir`: nothing below it is reachable. */
static void hide(const char* dir) {
  if (mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "size=4k,nr_inodes=1,mode=0555") != 0)
    fail_errno("cannot hide", dir);
}

/* A private, writable tmpfs at `dir` when this machine has that folder (/dev/shm, /var/tmp are
 * shared by every process of the machine otherwise). */
static void private_scratch(const char* dir) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return;
  if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777") != 0)
    fail_errno("cannot mount a tmpfs on", dir);
}

/* Runs as uid:gid from now on, with no supplementary groups and no way to gain privileges. */
static void drop_to(const char* spec) {
  char* end = NULL;
  errno = 0;
  unsigned long uid = strtoul(spec, &end, 10);
  if (errno != 0 || end == spec || *end != ':') fail("malformed --user");
  const char* g = end + 1;
  unsigned long gid = strtoul(g, &end, 10);
  if (errno != 0 || end == g || *end != '\0') fail("malformed --user");
  if (setgroups(0, NULL) != 0) fail_errno("cannot drop", "supplementary groups");
  if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) fail_errno("cannot set", "the gid");
  if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) fail_errno("cannot set", "the uid");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_errno("cannot set", "no_new_privs");
}

/* Builds the sandbox; afterwards the process is in /var/task. */
static void enter_sandbox(const char* mode, const char* task_root, const char* tmp,
                          const char* runtime_dir, const char* staging, char** opts, int nopts) {
  enum { max_opts = 16 };
  if (nopts > max_opts) fail("too many sandbox options");
  char* binds[max_opts];
  char* reveals[max_opts];
  const char* hidden[max_opts];
  const char* user = NULL;
  int nbinds = 0, nhidden = 0, nreveals = 0;
  for (int i = 0; i < nopts; ++i) {
    if (strncmp(opts[i], "--bind=", 7) == 0) {
      binds[nbinds++] = opts[i];
    } else if (strncmp(opts[i], "--reveal=", 9) == 0) {
      reveals[nreveals++] = opts[i] + 9;
    } else if (strncmp(opts[i], "--hide=", 7) == 0) {
      hidden[nhidden++] = opts[i] + 7;
    } else if (strncmp(opts[i], "--user=", 7) == 0) {
      user = opts[i] + 7;
    } else {
      fail("unknown sandbox option");
    }
  }
  int hermetic = strcmp(mode, "hermetic") == 0;
  if (!hermetic && strcmp(mode, "namespaces") != 0) fail("unknown sandbox mode");
  unshare_namespaces();
  if (!hermetic) {
    /* Every source is opened before the first mount: a source below the host's /tmp or
     * /var/task must not be resolved inside what was mounted there. */
    enum { max_binds = max_opts };
    struct held code, scratch, runtime, extra[max_binds];
    const char* extra_to[max_binds];
    int has_runtime = strcmp(runtime_dir, "-") != 0;
    hold(&code, task_root);
    hold(&scratch, tmp);
    if (has_runtime) hold(&runtime, runtime_dir);
    for (int i = 0; i < nbinds; ++i) {
      char* spec = binds[i] + 7; /* after "--bind=" */
      char* colon = strrchr(spec, ':');
      if (colon == NULL) fail("malformed --bind");
      *colon = '\0';
      hold(&extra[i], spec);
      extra_to[i] = colon + 1;
    }
    struct held revealed[max_binds];
    const char* closed[max_binds];
    const char* reveal_to[max_binds];
    for (int i = 0; i < nreveals; ++i) {
      char* colon = strchr(reveals[i], ':');
      if (colon == NULL) fail("malformed --reveal");
      *colon = '\0';
      closed[i] = reveals[i];
      reveal_to[i] = colon + 1;
      hold(&revealed[i], reveal_to[i]);
    }
    /* Hidden while their paths still mean this machine's (before /tmp is replaced, say). */
    for (int i = 0; i < nhidden; ++i) hide(hidden[i]);
    bind(code.proc_path, "/var/task", 1);
    if (has_runtime) bind(runtime.proc_path, "/var/runtime", 1);
    for (int i = 0; i < nbinds; ++i) bind(extra[i].proc_path, extra_to[i], 1);
    bind(scratch.proc_path, "/tmp", 0);
    for (int i = 0; i < nreveals; ++i) {
      int again = 0;
      for (int j = 0; j < i; ++j) again |= strcmp(closed[i], closed[j]) == 0;
      if (!again &&
          mount("tmpfs", closed[i], "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") != 0)
        fail_errno("cannot mount a tmpfs on", closed[i]);
      make_path(reveal_to[i]);
      bind(revealed[i].proc_path, reveal_to[i], 1);
    }
    private_scratch("/dev/shm");
    private_scratch("/var/tmp");
  } else {
    char p[4096];
    if (mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0)
      fail_errno("cannot mount a tmpfs on", staging);
    make_dir(staging, "var");
    make_dir(staging, "var/task");
    make_dir(staging, "tmp");
    make_dir(staging, "proc");
    make_dir(staging, "dev");
    make_dir(staging, ".old");
    if (strcmp(runtime_dir, "-") != 0) { /* lambdakit's helpers (the extensions' starter) */
      make_dir(staging, "var/runtime");
      at(p, sizeof p, staging, "var/runtime");
      bind(runtime_dir, p, 1);
    }
    at(p, sizeof p, staging, "var/task");
    bind(task_root, p, 1);
    at(p, sizeof p, staging, "tmp");
    bind(tmp, p, 0);
    at(p, sizeof p, staging, "proc");
    bind("/proc", p, 0);
    at(p, sizeof p, staging, "dev");
    bind("/dev", p, 0);
    for (int i = 0; i < nbinds; ++i) { /* the layers at /opt, say */
      char* spec = binds[i] + 7;
      char* colon = strrchr(spec, ':');
      if (colon == NULL || colon[1] != '/') fail("malformed --bind");
      *colon = '\0';
      at(p, sizeof p, staging, colon + 2);
      make_path(p);
      bind(spec, p, 1);
    }
    at(p, sizeof p, staging, ".old");
    if (syscall(SYS_pivot_root, staging, p) != 0) fail_errno("cannot pivot_root to", staging);
    if (chdir("/") != 0) fail_errno("cannot enter", "/");
    if (umount2("/.old", MNT_DETACH) != 0) fail_errno("cannot detach", "/.old");
    (void)rmdir("/.old");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m") != 0)
      fail_errno("cannot make read-only", "/");
  }
  /* Lambda's descriptor limit (its process limit is the environment's pids cgroup). */
  struct rlimit files = {max_files, max_files};
  if (setrlimit(RLIMIT_NOFILE, &files) != 0) fail_errno("cannot set", "RLIMIT_NOFILE");
  if (user != NULL) drop_to(user);
  if (chdir("/var/task") != 0) fail_errno("cannot enter", "/var/task");
}

/* Runs argv (after an optional sandbox request) with envp; never returns. */
static void become(char** argv, char** envp, const char* cwd) {
  if (getpid() == 1) start_init();
  if (argv[0] != NULL && strncmp(argv[0], "--sandbox=", 10) == 0) {
    for (int i = 1; i <= 5; ++i)
      if (argv[i] == NULL) fail("malformed sandbox request");
    int nopts = 0;
    while (argv[5 + nopts] != NULL && strcmp(argv[5 + nopts], "--") != 0) ++nopts;
    if (argv[5 + nopts] == NULL) fail("malformed sandbox request");
    enter_sandbox(argv[0] + 10, argv[1], argv[2], argv[3], argv[4], argv + 5, nopts);
    argv += 6 + nopts;
    if (argv[0] == NULL) fail("no command after the sandbox request");
  } else if (cwd != NULL && chdir(cwd) != 0) {
    fail("cannot enter the task root");
  }
  execve(argv[0], argv, envp);
  int err = errno;
  char line[4600];
  if (err == ENOENT && access(argv[0], F_OK) == 0) {
    /* The file is there: what is missing is the ELF interpreter (dynamic loader) it names. */
    snprintf(line, sizeof line,
             "cannot start %s: its interpreter (the dynamic loader, or the program its #! line "
             "names) is not in this file system (a hermetic sandbox has no system libraries: "
             "bundle them with `lambdakit build --strategy bundle`, or link statically; a "
             "bundled build loads from /var/task/lib, so it needs a sandbox, not --sandbox none)",
             argv[0]);
  } else {
    snprintf(line, sizeof line, "cannot start %s: %s", argv[0], strerror(err));
  }
  report("exec", line);
  _exit(127);
}

int main(int argc, char** argv) {
  if (argc > 1 && strncmp(argv[1], "--status-fd=", 12) == 0) {
    status_fd = atoi(argv[1] + 12);
    if (fcntl(status_fd, F_SETFD, FD_CLOEXEC) != 0) status_fd = -1;
    argv[1] = argv[0];
    ++argv;
    --argc;
  }
  if (argc == 2 && strcmp(argv[1], "--park-in-namespaces") == 0) {
    unshare_namespaces();
  } else if (argc > 1) {
    extern char** environ;
    become(argv + 1, environ, NULL);
  }
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
  size_t pos = 0;
  const char* cwd = next_item(&pos, len);
  const char* argc_text = next_item(&pos, len);
  if (cwd == NULL || argc_text == NULL) fail("malformed spec");
  static char* spec_argv[max_items + 1];
  static char* envp[max_items + 1];
  long spec_argc = strtol(argc_text, NULL, 10);
  if (spec_argc < 1 || spec_argc > max_items) fail("bad argc");
  for (long i = 0; i < spec_argc; ++i) {
    spec_argv[i] = (char*)next_item(&pos, len);
    if (spec_argv[i] == NULL) fail("malformed argv");
  }
  spec_argv[spec_argc] = NULL;
  const char* envc_text = next_item(&pos, len);
  long envc = envc_text != NULL ? strtol(envc_text, NULL, 10) : -1;
  if (envc < 0 || envc > max_items) fail("bad envc");
  for (long i = 0; i < envc; ++i) {
    envp[i] = (char*)next_item(&pos, len);
    if (envp[i] == NULL) fail("malformed env");
  }
  envp[envc] = NULL;
  become(spec_argv, envp, cwd);
  return 127;
}
