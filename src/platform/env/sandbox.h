// Where a runtime runs: the sandbox modes of the local service (design §5). The sandbox itself
// is built by lambdakit-launcher just before it execs the runtime (launcher/launcher.c).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "platform/env/runtimes.h"

namespace lambdakit::platform::env {

enum class sandbox_mode {
  none,        // a plain process; the code's own path is LAMBDA_TASK_ROOT
  namespaces,  // mount/IPC/UTS namespaces: the code read-only at /var/task, layers at /opt,
               // a private /tmp
  hermetic,    // as namespaces, on an empty root: only /var/task, /var/runtime, /opt, /tmp,
               // /proc, /dev
};
std::string_view name(sandbox_mode m);

// Lambda's paths, as the runtime sees them inside a sandbox.
inline constexpr const char* lambda_task_root = "/var/task";
inline constexpr const char* lambda_tmp = "/tmp";
inline constexpr const char* lambda_runtime_dir = "/var/runtime";  // managed runtimes' own code
inline constexpr const char* lambda_opt = "/opt";                  // the function's layers

// The uid and gid runtimes run as when the service is root: Lambda's own (sbx_user1051).
inline constexpr unsigned sandbox_uid = 993;
inline constexpr unsigned sandbox_gid = 990;

struct sandbox {
  sandbox_mode mode = sandbox_mode::none;
  std::filesystem::path launcher;   // lambdakit-launcher, which builds it
  std::filesystem::path staging;    // an empty folder the hermetic root is mounted on
  std::filesystem::path state_dir;  // hidden from every sandbox (code store, database, /tmps)
  bool pid_namespace = false;       // each environment is its own PID namespace
  bool drop_user = false;           // runtimes run as sandbox_uid:sandbox_gid, no capabilities
  std::string note;                 // one line for the service's start-up message

  // The mode for a runtime started as `program`: hermetic only when that is the function's own
  // `bootstrap`; one started through a program of this machine (python3, node, qemu for another
  // architecture) needs this machine's files, so it gets namespaces.
  sandbox_mode for_command(const std::filesystem::path& program,
                           const std::filesystem::path& bootstrap) const;
};

// Decides what `requested` ("auto", "none", "namespaces", "hermetic") gives on this machine:
// auto is namespaces where the kernel lets us create them (and /var/task can exist), else none
// with a note saying why. An explicit mode that cannot work is an error naming the reason.
result<sandbox> choose_sandbox(std::string_view requested, const std::filesystem::path& launcher,
                               const std::filesystem::path& state_dir);

// The launcher's argv for running `argv` in mode `m` with the code at `task_root` and the
// environment's /tmp at `tmp_dir` (host paths). lambdakit's bootstraps (hosts.builtin) appear
// at /var/runtime, and aws-lambda-ric with its dependencies at /var/runtime/node_modules, where
// Lambda keeps them (their real folders may lie below this machine's /tmp, which the sandbox
// replaces); `argv` is rewritten to match. `opt_root`, when not empty, is the function's
// layers, read-only at /opt.
std::vector<std::string> sandboxed_argv(const sandbox& s, sandbox_mode m,
                                        const std::filesystem::path& task_root,
                                        const std::filesystem::path& tmp_dir,
                                        const runtime_hosts& hosts, std::vector<std::string> argv,
                                        const std::filesystem::path& opt_root = {});

}  // namespace lambdakit::platform::env
