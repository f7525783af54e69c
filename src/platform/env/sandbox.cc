#include "platform/env/sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

namespace lambdakit::platform::env {
namespace fs = std::filesystem;
namespace {

// Whether this process may build the sandbox: the launcher's steps, tried in a throwaway child
// (unshare, private propagation, a tmpfs, a read-only bind, and for hermetic pivot_root), since
// a kernel or security profile may allow the first and refuse a later one.
std::string why_no_namespaces(const fs::path& staging, bool hermetic) {
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    auto step = [](bool ok, int code) {
      if (!ok) _exit(code);
    };
    const char* root = staging.c_str();
    std::string sub = staging.string() + "/probe", old = staging.string() + "/old";
    step(::unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) == 0, 10);
    step(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, 11);
    step(::mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") == 0, 12);
    step(::mkdir(sub.c_str(), 0755) == 0 && ::mkdir(old.c_str(), 0755) == 0, 13);
    step(::mount(sub.c_str(), sub.c_str(), nullptr, MS_BIND, nullptr) == 0 &&
             ::mount(nullptr, sub.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) == 0,
         14);
    if (hermetic) step(::syscall(SYS_pivot_root, root, old.c_str()) == 0, 15);
    _exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  static const char* const steps[] = {"unshare(CLONE_NEWNS)",   "making / private",
                                      "mounting a tmpfs",       "creating folders in it",
                                      "a read-only bind mount", "pivot_root"};
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  std::string what = code >= 10 && code <= 15 ? steps[code - 10] : "the sandbox probe";
  return what + " is not permitted here" +
         (::geteuid() != 0 ? " (run as root, or allow unprivileged user namespaces)" : "");
}

// Whether each environment can have its own PID namespace: a child in a new mount namespace
// unshares one, and its first child (pid 1 there) mounts that namespace's /proc.
bool pid_namespace_works() {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::unshare(CLONE_NEWPID) != 0)
      _exit(1);
    pid_t init = ::fork();
    if (init < 0) _exit(1);
    if (init == 0) {
      bool ok = ::getpid() == 1 &&
                ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
      _exit(ok ? 0 : 1);
    }
    int status = 0;
    while (::waitpid(init, &status, 0) < 0 && errno == EINTR) {
    }
    _exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// For a program outside the sandbox's own folders that an unprivileged uid cannot reach (a
// folder on its path has no search permission for others, like root's 0700 home holding
// pyenv's Pythons): that folder and its child on the path. The launcher then puts an empty
// folder over the first and the second back in it, read-only.
std::optional<std::pair<fs::path, fs::path>> closed_ancestor(const fs::path& program) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(program, ec);
  if (ec || !real.is_absolute()) return std::nullopt;
  fs::path at = "/";
  for (auto it = std::next(real.begin()); it != real.end(); ++it) {
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0) return std::nullopt;
    fs::path next = at / *it;
    if ((st.st_mode & S_IXOTH) == 0 && next != real) return std::make_pair(at, next);
    at = next;
  }
  return std::nullopt;
}

// The interpreter a `#!` line of `script` names (empty when it has none).
fs::path interpreter_of(const fs::path& script) {
  char line[256] = {};
  int fd = ::open(script.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  ssize_t n = ::read(fd, line, sizeof line - 1);
  ::close(fd);
  if (n < 3 || line[0] != '#' || line[1] != '!') return {};
  std::string_view rest(line + 2, static_cast<std::size_t>(n) - 2);
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
  return fs::path(std::string(rest.substr(0, rest.find_first_of(" \t\r\n"))));
}

}  // namespace

std::string_view name(sandbox_mode m) {
  switch (m) {
    case sandbox_mode::none:
      return "none";
    case sandbox_mode::namespaces:
      return "namespaces";
    case sandbox_mode::hermetic:
      return "hermetic";
  }
  return "?";
}

sandbox_mode sandbox::for_command(const fs::path& program, const fs::path& bootstrap) const {
  if (mode == sandbox_mode::hermetic && program != bootstrap) return sandbox_mode::namespaces;
  return mode;
}

result<sandbox> choose_sandbox(std::string_view requested, const fs::path& launcher,
                               const fs::path& state_dir) {
  sandbox s;
  s.launcher = launcher;
  s.staging = state_dir / "sandbox-root";
  s.state_dir = state_dir;
  // What a function reaches without a sandbox, for the start-up line.
  const std::string exposed =
      ::geteuid() == 0
          ? "; runtimes run as root: a function can read and write anything here, other "
            "functions' environments and /tmp, the state directory (code store, database), and "
            "signal the service"
          : "; a function can read and signal this user's processes (other environments' "
            "runtimes, the service), their /proc and /tmp, and write the state directory (code "
            "store, database)";
  if (requested == "none") {
    s.note = "environments run as plain processes (--sandbox none)" + exposed;
    return s;
  }
  bool automatic = requested == "auto";
  if (!automatic && requested != "namespaces" && requested != "hermetic") {
    return failure{std::make_error_code(std::errc::invalid_argument),
                   "--sandbox must be auto, none, namespaces or hermetic, not \"" +
                       std::string(requested) + "\""};
  }
  auto fall_back = [&](const std::string& why) -> result<sandbox> {
    if (!automatic) {
      return failure{std::make_error_code(std::errc::operation_not_permitted),
                     "--sandbox " + std::string(requested) + " is not possible here: " + why};
    }
    s.note = "environments run as plain processes, NOT sandboxed: " + why + exposed;
    return s;
  };
  std::error_code ec;
  if (::access(launcher.c_str(), X_OK) != 0) {
    return fall_back(launcher.string() + " is missing (it builds the sandbox)");
  }
  fs::create_directories(s.staging, ec);
  if (auto why = why_no_namespaces(s.staging, requested == "hermetic"); !why.empty()) {
    return fall_back(why);
  }
  // Mount points for the code, the bootstraps and the layers, in this machine's tree (empty
  // folders, made once).
  for (const char* dir : {lambda_task_root, lambda_runtime_dir, lambda_opt}) {
    if (!fs::is_directory(dir, ec)) {
      fs::create_directories(dir, ec);
      if (ec) return fall_back(std::string("cannot create ") + dir + ": " + ec.message());
    }
  }
  s.mode = requested == "hermetic" ? sandbox_mode::hermetic : sandbox_mode::namespaces;
  s.pid_namespace = pid_namespace_works();
  s.drop_user = ::geteuid() == 0;
  std::string ns = s.pid_namespace ? "PID/mount/IPC/UTS namespaces" : "mount/IPC/UTS namespaces";
  s.note = s.mode == sandbox_mode::hermetic
               ? "sandbox: hermetic, " + ns +
                     " (provided runtimes see only /var/task, /opt, /tmp, /proc, /dev; managed "
                     "runtimes get namespaces)"
               : "sandbox: " + ns +
                     ", code read-only at /var/task, private /tmp, the state directory hidden";
  s.note += s.drop_user ? ", runtimes as uid " + std::to_string(sandbox_uid) + ":" +
                              std::to_string(sandbox_gid) + " without capabilities"
                        : ", runtimes as this user (" + std::to_string(::geteuid()) + ")";
  if (!s.pid_namespace) {
    s.note +=
        "; WEAKER: no PID namespace here (a function sees every process of this machine, "
        "reads other environments' /proc/<pid>/environ and /tmp through /proc/<pid>/root, and "
        "processes it leaves behind survive it)";
  } else {
    s.note += "; each Runtime API answers its own environment only";
  }
  return s;
}

std::vector<std::string> sandboxed_argv(const sandbox& s, sandbox_mode m, const fs::path& task_root,
                                        const fs::path& tmp_dir, const runtime_hosts& hosts,
                                        std::vector<std::string> argv, const fs::path& opt_root) {
  std::vector<std::string> out = {
      "--sandbox=" + std::string(name(m)), task_root.string(), tmp_dir.string(),
      hosts.builtin.empty() ? std::string("-") : hosts.builtin.string(), s.staging.string()};
  if (m == sandbox_mode::namespaces && !s.state_dir.empty())
    out.push_back("--hide=" + s.state_dir.string());
  if (!opt_root.empty()) out.push_back("--bind=" + opt_root.string() + ":" + lambda_opt);
  if (s.drop_user)
    out.push_back("--user=" + std::to_string(sandbox_uid) + ":" + std::to_string(sandbox_gid));
  if (m == sandbox_mode::namespaces && !hosts.node_ric.empty()) {
    fs::path ric = hosts.node_ric;
    fs::path package = ric.parent_path().parent_path();  // <node_modules>/aws-lambda-ric
    fs::path modules = fs::path(lambda_runtime_dir) / "node_modules";
    for (auto& a : argv) {
      if (a == hosts.node_ric) {
        a = (modules / package.filename() / ric.lexically_relative(package)).string();
        out.push_back("--bind=" + package.parent_path().string() + ":" + modules.string());
      }
    }
  }
  if (s.drop_user && m == sandbox_mode::namespaces && !argv.empty()) {
    // What the runtime's first exec needs from this machine: the program, or for a `#!` script
    // in the code, its interpreter.
    std::string task_prefix = std::string(lambda_task_root) + "/";
    fs::path program = argv.front();
    if (program.string().rfind(task_prefix, 0) == 0)
      program = interpreter_of(task_root / program.string().substr(task_prefix.size()));
    if (!program.empty() && program.string().rfind(std::string(lambda_runtime_dir) + "/", 0) != 0) {
      if (auto closed = closed_ancestor(program))
        out.push_back("--reveal=" + closed->first.string() + ":" + closed->second.string());
    }
  }
  out.emplace_back("--");
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace lambdakit::platform::env
