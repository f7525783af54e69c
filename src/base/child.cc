#include "base/child.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.h"

extern char** environ;  // NOLINT: POSIX

namespace lambdakit::base {
namespace {

void redirect(posix_spawn_file_actions_t& a, int target, child_io how, int fd, int null_flags) {
  switch (how) {
    case child_io::inherit:
      return;
    case child_io::null:
      posix_spawn_file_actions_addopen(&a, target, "/dev/null", null_flags, 0);
      return;
    case child_io::fd:
      posix_spawn_file_actions_adddup2(&a, fd, target);
      return;
  }
}

}  // namespace

result<pid_t> start_child(const child_spec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty()) {
    return make_failure(std::make_error_code(std::errc::invalid_argument), "no program to start");
  }
  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 1);
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (spec.env) {
    envp.reserve(spec.env->size() + 1);
    for (const auto& e : *spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  redirect(actions, 0, spec.in, spec.in_fd, O_RDONLY);
  redirect(actions, 1, spec.out, spec.out_fd, O_WRONLY);
  redirect(actions, 2, spec.err, spec.err_fd, O_WRONLY);
  // fds 3 and 4: each source goes to a number above every source first, so that placing one
  // cannot overwrite the other (a source may itself be 3 or 4).
  const int given[] = {spec.fd3, spec.fd4};
  int high = 4;
  for (int fd : given) high = fd > high ? fd : high;
  int first_free = 3;
  for (int i = 0; i < 2; ++i) {
    if (given[i] < 0) continue;
    posix_spawn_file_actions_adddup2(&actions, given[i], high + 1 + i);
  }
  for (int i = 0; i < 2; ++i) {
    if (given[i] < 0) continue;
    posix_spawn_file_actions_adddup2(&actions, high + 1 + i, 3 + i);
    first_free = 4 + i;
  }
  if (spec.close_other_fds) {
    posix_spawn_file_actions_addclosefrom_np(&actions, first_free);
  } else if (spec.fd3 >= 0 || spec.fd4 >= 0) {
    for (int i = 0; i < 2; ++i) {
      if (given[i] >= 0) posix_spawn_file_actions_addclose(&actions, high + 1 + i);
    }
  }
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  short flags = 0;
  if (spec.own_process_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  if (spec.reset_signals) {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    flags |= POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  }
  posix_spawnattr_setflags(&attr, flags);

  pid_t pid = 0;
  char* const* env = spec.env ? envp.data() : environ;
  // A new PID namespace for the child alone: this thread's "namespace for children" is a fresh
  // one for the spawn, then its own again (unshare and setns change the calling thread only).
  int own_ns = -1;
  if (spec.new_pid_namespace) {
    own_ns = ::open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own_ns < 0 || ::unshare(CLONE_NEWPID) != 0) {
      auto err = errno_code();
      if (own_ns >= 0) ::close(own_ns);
      posix_spawn_file_actions_destroy(&actions);
      posix_spawnattr_destroy(&attr);
      return make_failure(err, "a new PID namespace for " + spec.argv.front());
    }
  }
  int rc = spec.search_path ? ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), env)
                            : ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), env);
  if (own_ns >= 0) {
    (void)::setns(own_ns, CLONE_NEWPID);
    ::close(own_ns);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return make_failure({rc, std::system_category()}, "starting " + spec.argv.front());
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) return 0;
  return status;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return status;
}

result<child_output> run_child(child_spec spec, bool capture_stdout) {
  unique_fd read_end, write_end;
  if (capture_stdout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return make_failure(errno_code(), "a pipe for " + spec.argv[0]);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    spec.out = child_io::fd;
    spec.out_fd = write_end.get();
  }
  auto pid = start_child(spec);
  write_end.reset();
  if (!pid) return std::move(pid).error();
  child_output result;
  if (capture_stdout) {
    char buf[4096];
    while (true) {
      ssize_t n = retry_eintr([&] { return ::read(read_end.get(), buf, sizeof buf); });
      if (n <= 0) break;
      result.out.append(buf, static_cast<std::size_t>(n));
    }
  }
  result.exit_code = exit_code_of(wait_child(*pid));
  return result;
}

}  // namespace lambdakit::base

namespace lambdakit::base {

result<child_output> run_tool(std::vector<std::string> argv, bool capture_stdout,
                              const std::filesystem::path& cwd, bool quiet) {
  child_spec spec;
  spec.argv = std::move(argv);
  spec.cwd = cwd;
  spec.search_path = true;
  spec.in = child_io::inherit;
  spec.out = child_io::fd;
  spec.out_fd = 2;
  spec.err = quiet ? child_io::null : child_io::inherit;
  spec.close_other_fds = false;
  return run_child(std::move(spec), capture_stdout);
}

}  // namespace lambdakit::base
