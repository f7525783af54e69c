#include "platform/env/telemetry_records.h"

#include <cmath>
#include <cstdio>

#include "wire/json.h"

namespace lambdakit::platform::env::telemetry_records {
namespace {

std::string text(std::string_view s) {
  std::string out;
  wire::json::append_string(out, s);
  return out;
}

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

const char* status_of(invoke_status s) {
  switch (s) {
    case invoke_status::success:
      return "success";
    case invoke_status::function_error:
      return "error";
    case invoke_status::timeout:
      return "timeout";
    default:
      return "failure";
  }
}

}  // namespace

std::string log_line(std::string_view line) {
  return text(line);
}

std::string init_start(const function_config& fn, bool retried) {
  return R"({"initializationType":"on-demand","phase":")" +
         std::string(retried ? "invoke" : "init") + R"(","runtimeVersion":)" +
         text(fn.runtime.empty() ? "provided.al2023" : fn.runtime) + R"(,"functionName":)" +
         text(fn.name) + R"(,"functionVersion":)" + text(fn.version) + "}";
}

std::string init_runtime_done() {
  return R"({"initializationType":"on-demand","phase":"init","status":"success"})";
}

std::string init_report(double init_ms) {
  return R"({"initializationType":"on-demand","phase":"init","status":"success","metrics":{"durationMs":)" +
         fixed3(init_ms) + "}}";
}

std::string start(const std::string& request_id, const std::string& version) {
  return R"({"requestId":)" + text(request_id) + R"(,"version":)" + text(version) + "}";
}

std::string runtime_done(const std::string& request_id, invoke_status s, double duration_ms) {
  return R"({"requestId":)" + text(request_id) + R"(,"status":")" + status_of(s) +
         R"(","metrics":{"durationMs":)" + fixed3(duration_ms) + "}}";
}

std::string report(const std::string& request_id, invoke_status s, const invoke_outcome& o,
                   int memory_mb) {
  std::string init =
      o.cold && o.init_ms > 0 ? R"(,"initDurationMs":)" + fixed3(o.init_ms) : std::string();
  return R"({"requestId":)" + text(request_id) + R"(,"status":")" + status_of(s) +
         R"(","metrics":{"durationMs":)" + fixed3(o.invoke_ms) + R"(,"billedDurationMs":)" +
         std::to_string(static_cast<std::int64_t>(std::ceil(o.invoke_ms))) + R"(,"memorySizeMB":)" +
         std::to_string(memory_mb) + R"(,"maxMemoryUsedMB":)" + std::to_string(o.max_memory_mb) +
         init + "}}";
}

}  // namespace lambdakit::platform::env::telemetry_records
