#include "platform/env/sandbox.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

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
  if (requested == "none") {
    s.note = "environments run as plain processes (--sandbox none)";
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
    s.note = "environments run as plain processes, NOT sandboxed: " + why;
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
  // Mount points for the code and the bootstraps, in this machine's tree (empty folders, made
  // once).
  for (const char* dir : {lambda_task_root, lambda_runtime_dir}) {
    if (!fs::is_directory(dir, ec)) {
      fs::create_directories(dir, ec);
      if (ec) return fall_back(std::string("cannot create ") + dir + ": " + ec.message());
    }
  }
  s.mode = requested == "hermetic" ? sandbox_mode::hermetic : sandbox_mode::namespaces;
  s.note = s.mode == sandbox_mode::hermetic
               ? "sandbox: hermetic (provided runtimes see only /var/task, /tmp, /proc, /dev; "
                 "managed runtimes get namespaces)"
               : "sandbox: mount/IPC/UTS namespaces, code read-only at /var/task, private /tmp";
  return s;
}

std::vector<std::string> sandboxed_argv(const sandbox& s, sandbox_mode m, const fs::path& task_root,
                                        const fs::path& tmp_dir, const runtime_hosts& hosts,
                                        std::vector<std::string> argv) {
  std::vector<std::string> out = {
      "--sandbox=" + std::string(name(m)), task_root.string(), tmp_dir.string(),
      hosts.builtin.empty() ? std::string("-") : hosts.builtin.string(), s.staging.string()};
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
  out.emplace_back("--");
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace lambdakit::platform::env
