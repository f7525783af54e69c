// Invocation records: what the benchmark reads. Every invoke's phase timings, kept in memory
// (the newest 10,000) and served as JSON at GET /lambdakit/v1/invocations.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

namespace lambdakit::platform::api {

struct invocation_record {
  std::string request_id;
  std::string function;
  std::string type = "RequestResponse";  // or Event
  std::string status;  // success, error, timeout, crash, init_error, invalid_entrypoint, ...
  bool cold = false;
  double queue_ms = 0;     // request read until an environment was chosen
  double extract_ms = 0;   // code extraction (0: code is extracted once, at CreateFunction)
  double spawn_ms = 0;     // fork/exec of the runtime
  double init_ms = 0;      // runtime start until its first /next
  double invoke_ms = 0;    // event delivered until the answer
  double overhead_ms = 0;  // the rest of the request's time in the service
  double total_ms = 0;     // request read until the answer was handed to the connection
  std::int64_t max_memory_mb = 0;
  std::int64_t started_unix_ms = 0;
  std::int64_t started_unix_us = 0;  // the same moment, in microseconds
};

class records {
 public:
  void add(invocation_record r);
  // {"invocations":[...]} for one function (all when empty), oldest first, at most `limit`.
  std::string json(const std::string& function, std::size_t limit) const;

 private:
  std::deque<invocation_record> items_;
};

}  // namespace lambdakit::platform::api
