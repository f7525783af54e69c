// The platform's log lines in AWS's exact format (spec §2):
//   START RequestId: <id> Version: $LATEST (or the version's number)
//   END RequestId: <id>
//   REPORT RequestId: <id>\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t
//     Max Memory Used: 56 MB\tInit Duration: 130.49 ms\t[Status: timeout]
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lambdakit::platform::logs {

std::string start_line(const std::string& request_id, const std::string& version = "$LATEST");
std::string end_line(const std::string& request_id);

struct report {
  std::string request_id;
  double duration_ms = 0;
  int memory_size_mb = 128;
  std::int64_t max_memory_used_mb = 0;
  std::optional<double> init_duration_ms;  // cold starts only
  bool timeout = false;
};

// Billed Duration = ceil(Duration) in whole milliseconds.
std::string report_line(const report& r);

// The last `limit` bytes of `log`, cut at a line start where possible (X-Amz-Log-Result).
std::string tail(const std::string& log, std::size_t limit = 4096);

}  // namespace lambdakit::platform::logs
