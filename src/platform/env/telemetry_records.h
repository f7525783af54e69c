// The records of the Telemetry API's events an environment emits (telemetry-schema-reference.md),
// as JSON text: one place for their shape, environment.cc says when.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/env/invocation.h"
#include "platform/function.h"

namespace lambdakit::platform::env::telemetry_records {

std::string log_line(std::string_view line);  // a "function" record: the line as a JSON string
std::string init_start(const function_config& fn, bool retried);
std::string init_runtime_done();
std::string init_report(double init_ms);
std::string start(const std::string& request_id, const std::string& version);
// runtimeDone and report of an invoke that ended with `s`.
std::string runtime_done(const std::string& request_id, invoke_status s, double duration_ms);
std::string report(const std::string& request_id, invoke_status s, const invoke_outcome& o,
                   int memory_mb);

}  // namespace lambdakit::platform::env::telemetry_records
