// Where a runtime runs: the sandbox modes of the local service (design §5). The sandbox itself
// is built by lambdakit-launcher just before it execs the runtime (launcher/launcher.c).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "wire/result.h"

namespace lambdakit::platform::env {

enum class sandbox_mode {
  none,        // a plain process; the code's own path is LAMBDA_TASK_ROOT
  namespaces,  // mount/IPC/UTS namespaces: the code read-only at /var/task, a private /tmp
  hermetic,    // as namespaces, on an empty root: only /var/task, /tmp, /proc and /dev exist
};
std::string_view name(sandbox_mode m);

// Lambda's paths, as the runtime sees them inside a sandbox.
inline constexpr const char* lambda_task_root = "/var/task";
inline constexpr const char* lambda_tmp = "/tmp";
inline constexpr const char* lambda_runtime_dir = "/var/runtime";  // managed runtimes' own code

struct sandbox {
  sandbox_mode mode = sandbox_mode::none;
  std::filesystem::path launcher;  // lambdakit-launcher, which builds it
  std::filesystem::path staging;   // an empty folder the hermetic root is mounted on
  std::string note;                // one line for the service's start-up message

  // The mode for one runtime: hermetic only where the runtime brings everything itself (the
  // provided runtimes); the managed ones need this machine's python3 or node, so they get
  // namespaces.
  sandbox_mode for_runtime(const std::string& runtime) const;
};

// Decides what `requested` ("auto", "none", "namespaces", "hermetic") gives on this machine:
// auto is namespaces where the kernel lets us create them (and /var/task can exist), else none
// with a note saying why. An explicit mode that cannot work is an error naming the reason.
result<sandbox> choose_sandbox(std::string_view requested, const std::filesystem::path& launcher,
                               const std::filesystem::path& state_dir);

// A host folder shown read-only at `inside` (an existing folder there) in the namespaces sandbox.
struct extra_bind {
  std::filesystem::path host;
  std::filesystem::path inside;
};

// The launcher's argv for running `argv` in mode `m` with the code at `task_root`, the
// environment's /tmp at `tmp_dir`, lambdakit's bootstraps at `runtime_dir` (host paths; an
// empty runtime_dir is not mounted), and `binds`.
std::vector<std::string> sandboxed_argv(const sandbox& s, sandbox_mode m,
                                        const std::filesystem::path& task_root,
                                        const std::filesystem::path& tmp_dir,
                                        const std::filesystem::path& runtime_dir,
                                        const std::vector<extra_bind>& binds,
                                        const std::vector<std::string>& argv);

}  // namespace lambdakit::platform::env
