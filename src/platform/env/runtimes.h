// How each Lambda runtime is started: the bootstrap of custom runtimes; for managed runtimes the
// official runtime interface clients on this machine's interpreters when installed (awslambdaric
// for python3.x, aws-lambda-ric for nodejs*), else lambdakit's own small bootstraps.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "platform/env/runtime_channel.h"
#include "platform/function.h"
#include "runtimes/registry.h"

namespace lambdakit::platform::env {

enum class runtime_errc { invalid_entrypoint = 1, unsupported_runtime };
std::error_code make_error_code(runtime_errc e) noexcept;

// One Python interpreter of this machine.
struct python_host {
  std::string path;  // the interpreter itself (sys.executable: no pyenv shim in between)
  bool ric = false;  // `import awslambdaric` works there
};

// What this machine offers for managed runtimes, found once when the service starts.
inline constexpr const char* extensions_init_name = "lambdakit-extensions-init";

struct runtime_hosts {
  std::string python;       // absolute path of python3, or empty
  bool python_ric = false;  // `import awslambdaric` works there
  // python3.X functions run on Python 3.X ("3.12" -> its interpreter) when this machine has it,
  // as Lambda does (an extension module loads only in the Python it is built for); on python3
  // above otherwise, and the service's log says so.
  std::map<std::string, python_host> pythons;
  std::string node;               // absolute path of node, or empty
  std::string node_ric;           // aws-lambda-ric's bin/index.mjs, or empty
  std::filesystem::path builtin;  // lambdakit's own bootstraps, written here
  // Whether lambdakit-extensions-init (which starts a function's external extensions before its
  // runtime) was copied into `builtin`; without it, /opt/extensions is not started.
  bool extensions_init = false;
  // arm64 functions on an x86_64 machine run under qemu-user with the aarch64 libraries of
  // Debian's libc6-arm64-cross as their root (empty: not available; on aarch64: not needed).
  std::string arm64_emulator;
  std::string arm64_sysroot;
  std::string describe() const;  // one line for the service's log
};

// Looks for python3 and node on PATH, each python3.X of the registry (pyenv's versions/3.X.*,
// else python3.X on PATH), awslambdaric in each python, aws-lambda-ric in
// $LAMBDAKIT_AWS_LAMBDA_RIC (the package folder) or `npm root -g`; writes the built-in
// bootstraps to <state_dir>/runtimes.
runtime_hosts discover_runtime_hosts(const std::filesystem::path& state_dir,
                                     bool builtin_only = false);

struct launch {
  std::vector<std::string> argv;                         // argv[0] is an absolute path
  std::vector<std::pair<std::string, std::string>> env;  // added to the Lambda variables
  channel_kind channel = channel_kind::runtime_api;      // the protocol the runtime speaks
};

// How to start `fn`'s runtime with its code in `task_root`, which the runtime sees at
// `visible_root` (/var/task in a sandbox, the same path otherwise), and lambdakit's bootstraps
// (hosts.builtin) at `visible_builtin`. Custom runtimes
// (provided.al2023, provided.al2, provided, or none) run <visible_root>/bootstrap; a missing,
// non-regular or non-executable one is runtime_errc::invalid_entrypoint with Lambda's message.
// `visible_opt` (/opt in a sandbox; empty: none) is where the function's layers are: Python
// and Node.js find modules there as on Lambda.
result<launch> runtime_command(const function_config& fn, const std::filesystem::path& task_root,
                               const std::filesystem::path& visible_root,
                               const std::filesystem::path& visible_builtin,
                               const runtime_hosts& hosts,
                               const std::filesystem::path& visible_opt = {});

// True for the runtime names CreateFunction accepts: the registry's rows whose family the
// service starts (an empty name: a zip with a bootstrap, as provided.al2023).
bool known_runtime(const std::string& runtime);

// CreateFunction's answer to a runtime it does not accept: what is known, what is run.
std::string unknown_runtime_message(const std::string& runtime);

// The runtimes the service runs and how, for `lambdakit serve --help`.
std::string runtimes_help();

}  // namespace lambdakit::platform::env

template <>
struct std::is_error_code_enum<lambdakit::platform::env::runtime_errc> : std::true_type {};
