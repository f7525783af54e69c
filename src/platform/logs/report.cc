#include "platform/logs/report.h"

#include <cmath>
#include <cstdio>

namespace lambdakit::platform::logs {

std::string start_line(const std::string& id, const std::string& version) {
  return "START RequestId: " + id + " Version: " + version;
}

std::string end_line(const std::string& id) {
  return "END RequestId: " + id;
}

std::string report_line(const report& r) {
  char buf[256];
  auto billed = static_cast<long long>(std::ceil(r.duration_ms));
  // The request id is not formatted into buf: it can be any length.
  std::string line = "REPORT RequestId: " + r.request_id;
  std::snprintf(buf, sizeof buf,
                "\tDuration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %d MB\t"
                "Max Memory Used: %lld MB\t",
                r.duration_ms, billed, r.memory_size_mb,
                static_cast<long long>(r.max_memory_used_mb));
  line += buf;
  if (r.init_duration_ms) {
    std::snprintf(buf, sizeof buf, "Init Duration: %.2f ms\t", *r.init_duration_ms);
    line += buf;
  }
  if (r.timeout) line += "Status: timeout";
  return line;
}

std::string tail(const std::string& log, std::size_t limit) {
  if (log.size() <= limit) return log;
  std::size_t from = log.size() - limit;
  if (log[from - 1] == '\n') return log.substr(from);  // the cut is already at a line's start
  std::size_t nl = log.find('\n', from);
  if (nl != std::string::npos && nl + 1 < log.size() && log.size() - (nl + 1) > limit / 2)
    from = nl + 1;
  return log.substr(from);
}

}  // namespace lambdakit::platform::logs
