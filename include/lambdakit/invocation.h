// lambdakit::invocation: one event handed to a handler, with the context Lambda sends beside it.
#pragma once

#include <chrono>
#include <string>

namespace lambdakit {

// Everything the Runtime API tells a function about one invoke. Owned by the runtime loop and
// valid for the duration of the handler call; copy what you need to keep.
struct invocation {
  std::string payload;     // the event, byte for byte as the caller sent it (usually JSON)
  std::string request_id;  // Lambda-Runtime-Aws-Request-Id
  std::chrono::system_clock::time_point deadline{};  // Lambda-Runtime-Deadline-Ms
  std::string function_arn;                          // Lambda-Runtime-Invoked-Function-Arn
  std::string xray_trace_id;     // Lambda-Runtime-Trace-Id (also in env _X_AMZN_TRACE_ID)
  std::string client_context;    // Lambda-Runtime-Client-Context JSON; empty when none was sent
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity JSON; empty when none
  std::string tenant_id;         // Lambda-Runtime-Aws-Tenant-Id; empty when none

  // Time left before Lambda stops the invoke; zero or negative once the deadline has passed.
  std::chrono::milliseconds remaining_time() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::system_clock::now());
  }
};

}  // namespace lambdakit
