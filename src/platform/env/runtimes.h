// How each Lambda runtime is started: the bootstrap of custom runtimes, the runtime interface
// clients of managed ones.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "platform/function.h"
#include "wire/result.h"

namespace lambdakit::platform::env {

enum class runtime_errc { invalid_entrypoint = 1, unsupported_runtime };
std::error_code make_error_code(runtime_errc e) noexcept;

// argv for `fn`'s runtime with its code in `task_root`. Custom runtimes (provided.al2023,
// provided.al2, provided, or none) run <task_root>/bootstrap; a missing or non-executable one is
// runtime_errc::invalid_entrypoint with Lambda's message. python3.x runs awslambdaric with the
// local python3; nodejs* runs aws-lambda-ric with the local node.
result<std::vector<std::string>> runtime_command(const function_config& fn, const std::filesystem::path& task_root);

// True for the runtime names CreateFunction accepts.
bool known_runtime(const std::string& runtime);

}  // namespace lambdakit::platform::env

template <>
struct std::is_error_code_enum<lambdakit::platform::env::runtime_errc> : std::true_type {};
