// The environment variables Lambda gives a runtime (spec §2), in one place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "platform/function.h"

namespace lambdakit::platform::env {

struct variable_inputs {
  const function_config* fn = nullptr;
  std::string region;
  std::filesystem::path task_root;
  std::filesystem::path tmp_dir;
  std::string log_stream;  // AWS_LAMBDA_LOG_STREAM_NAME
  // What the runtime host and the runtime channel add (PYTHONPATH, AWS_LAMBDA_RUNTIME_API...).
  std::vector<std::pair<std::string, std::string>> host;
  // Where the runtime sees the function's layers (/opt in a sandbox; empty: none): its bin/ on
  // PATH, its lib/ on LD_LIBRARY_PATH.
  std::filesystem::path opt_dir;
};

// "NAME=value" for every variable: Lambda's own, then the host's, then the function's (which
// CreateFunction already kept from setting reserved ones, so PATH, LANG, TZ... are the function's
// to change, as on Lambda).
std::vector<std::string> lambda_variables(const variable_inputs& in);

// A log stream name as Lambda makes them: YYYY/MM/DD/[VERSION]<32 hex digits>.
std::string new_log_stream_name(const std::string& version = "$LATEST");

}  // namespace lambdakit::platform::env
