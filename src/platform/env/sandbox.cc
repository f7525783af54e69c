#include "platform/env/sandbox.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace lambdakit::platform::env {
namespace fs = std::filesystem;
namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Whether this process may create mount namespaces: try it in a throwaway child.
std::string why_no_namespaces() {
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) _exit(::unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) == 0 ? 0 : errno);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  int err = WIFEXITED(status) ? WEXITSTATUS(status) : EPERM;
  return std::string("unshare(CLONE_NEWNS): ") + std::strerror(err) +
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

sandbox_mode sandbox::for_runtime(const std::string& runtime) const {
  if (mode == sandbox_mode::hermetic && !(runtime.empty() || starts_with(runtime, "provided"))) {
    return sandbox_mode::namespaces;
  }
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
  if (auto why = why_no_namespaces(); !why.empty()) return fall_back(why);
  fs::create_directories(s.staging, ec);
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
                                        const fs::path& tmp_dir, const fs::path& runtime_dir,
                                        const std::vector<extra_bind>& binds,
                                        const std::vector<std::string>& argv) {
  std::vector<std::string> out = {
      "--sandbox=" + std::string(name(m)), task_root.string(), tmp_dir.string(),
      runtime_dir.empty() ? std::string("-") : runtime_dir.string(), s.staging.string()};
  if (m == sandbox_mode::namespaces) {
    for (const auto& b : binds)
      out.push_back("--bind=" + b.host.string() + ":" + b.inside.string());
  }
  out.emplace_back("--");
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace lambdakit::platform::env
