// One invoke as an execution environment sees it, and how it ended.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lambdakit::platform::env {

// Where a streamed invoke's answer goes as the runtime writes it (InvokeWithResponseStream).
// Called on the service's thread, by the environment's channel, before the invoke's outcome.
class response_stream {
 public:
  virtual ~response_stream() = default;
  // The answer begins, with the runtime's content type: once, before any bytes.
  virtual void begin(const std::string& content_type) = 0;
  // The next bytes of the answer. Returns how long the runtime must wait before more of its
  // bytes are read (the bandwidth limit, a caller that reads slowly); 0: read on.
  virtual std::chrono::milliseconds bytes(std::string_view b) = 0;
  // Whether begin() was called: then the outcome's body is not the answer (it is empty, or
  // holds the error that ended the stream).
  virtual bool begun() const = 0;
};

struct invoke_outcome;

// A streamed answer over 200 MiB is cut there: Function.ResponseSizeTooLarge.
inline constexpr std::size_t max_streamed_response = std::size_t{200} * 1024 * 1024;

struct invoke_request {
  std::string request_id;
  std::string payload;
  std::string function_arn;      // as invoked, qualifier included
  std::string trace_id;          // X-Amzn-Trace-Id (generated when the caller sent none)
  std::string client_context;    // decoded JSON, or empty
  std::string cognito_identity;  // JSON, or empty
  // Set for InvokeWithResponseStream: the answer goes there as it is written. Channels that
  // cannot stream (go1.x) leave it alone; the caller then streams the whole body at the end.
  std::shared_ptr<response_stream> stream;
  // Called once, on the service's thread, when the runtime has answered but an extension is
  // still at work on the invoke: the caller may have its answer now, as on Lambda. The outcome
  // (`done`) follows once the extensions are back in /event/next; its Duration includes them.
  std::function<void(const invoke_outcome&)> answered;
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
