// One invoke as an execution environment sees it, and how it ended.
#pragma once

#include <cstdint>
#include <string>

namespace lambdakit::platform::env {

struct invoke_request {
  std::string request_id;
  std::string payload;
  std::string function_arn;      // as invoked, qualifier included
  std::string trace_id;          // X-Amzn-Trace-Id (generated when the caller sent none)
  std::string client_context;    // decoded JSON, or empty
  std::string cognito_identity;  // JSON, or empty
};

enum class invoke_status {
  success,             // /response
  function_error,      // /error, or a streamed response that ended with an error trailer
  timeout,             // past the function timeout: Sandbox.Timedout, environment reset
  crash,               // the runtime exited mid-invoke: Runtime.ExitError, environment reset
  init_error,          // /init/error, or the runtime exited during init: environment reset
  invalid_entrypoint,  // no executable bootstrap: Runtime.InvalidEntrypoint
  response_too_large,  // over 6291556 bytes: Function.ResponseSizeTooLarge
};

const char* to_string(invoke_status s);

struct invoke_outcome {
  invoke_status status = invoke_status::success;
  std::string body;          // for the caller
  std::string content_type;  // for the caller
  std::string log;           // the runtime's output during this invoke (and its init, when cold)
  bool cold = false;
  bool reset = false;    // the environment is gone; the next invoke starts a new one
  double spawn_ms = 0;   // fork/exec of the runtime (cold only)
  double init_ms = 0;    // runtime start until its first /next (cold only): Init Duration
  double invoke_ms = 0;  // event delivered until the answer: Duration
  std::int64_t max_memory_mb = 0;
};

}  // namespace lambdakit::platform::env
