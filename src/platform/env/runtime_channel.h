// The runtime channel seam: an execution environment's conversation with its runtime. The
// environment (environment.h) keeps the lifecycle (process, sandbox, cgroup, timers, freeze,
// reset); the channel speaks the runtime's protocol. The per-environment Runtime API server
// (runtime_api_channel.h) is the first implementation; go1.x's net/rpc client and the stdio
// frames plug in beside it.
//
// Lives on the service's io_context thread, as the environment does. Callbacks (channel_events)
// run on that thread; `delivered` may run inside deliver(), the others only on the channel's
// own I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "platform/env/extensions_api.h"
#include "platform/env/invocation.h"

namespace lambdakit::platform::env {

// The in-flight invoke's answer, as the caller will see it.
struct runtime_answer {
  invoke_status status = invoke_status::success;  // success, function_error, response_too_large
  std::string body;
  std::string content_type;
  bool reset =
      false;  // the environment must not be used again (a go1.x ShouldExit, a broken stream)
};

// Which protocol a runtime speaks, so which channel its environment needs.
enum class channel_kind {
  runtime_api,  // provided.*, python3.x, nodejs*: the Runtime API (runtime_api_channel.h)
  go1x,         // go1.x: net/rpc with gob on _LAMBDA_SERVER_PORT (go1x_channel.h)
};

// What a channel tells its environment.
struct channel_events {
  std::function<void()> ready;      // Init is over: the runtime asked for its first event
  std::function<void()> delivered;  // the pending event reached the runtime (Duration starts)
  std::function<void()> idle;       // the runtime waits for work and has none (freeze point)
  std::function<void(runtime_answer)> answered;      // the in-flight invoke's answer
  std::function<void(std::string body)> init_error;  // the runtime reported a failed Init
  // Every extension is back in /event/next: an invoke answered earlier is over for them too,
  // or a shutdown's extensions are done.
  std::function<void()> settled;
  // An extension failed (Extension.InitError, Extension.ExitError, Extension.Crash,
  // Extension.LaunchError): the environment is reset.
  std::function<void(std::string type, std::string message)> extension_failed;
  // Whether a connection (its socket) comes from this environment's own processes; empty: any
  // is taken. A channel that listens refuses, unanswered, the ones it rejects.
  std::function<bool(int fd)> admit;
};

class runtime_channel {
 public:
  virtual ~runtime_channel() = default;

  // Makes the channel reachable (the Runtime API listens) and returns the variables that tell
  // a runtime where it is (AWS_LAMBDA_RUNTIME_API=host:port). Called before every start of a
  // runtime; idempotent.
  virtual result<std::vector<std::pair<std::string, std::string>>> open() = 0;

  // A new runtime process was started (a cold start, or Init retried): the old one's state,
  // including a parked request, is forgotten, and the next request from it is Init's end.
  virtual void runtime_started() = 0;

  // Hands `req` to the runtime now, or as soon as it asks for work; its deadline is `timeout`
  // from the moment it is handed over. One event at a time.
  virtual void deliver(invoke_request req, std::chrono::milliseconds timeout) = 0;

  // The environment ended the in-flight invoke itself (timeout, crash): a late answer to it is
  // refused as one to an unknown request.
  virtual void abandon() = 0;

  // Stops listening; no events are sent afterwards.
  virtual void close() = 0;

  // Extensions (a channel without the Extensions API keeps the defaults: none). The extensions
  // the next runtime start brings; called before runtime_started().
  virtual void prepare_extensions(const extension_setup& /*setup*/) {}
  // Whether an extension has an event it has not come back from.
  virtual bool extensions_busy() const { return false; }
  // Sends SHUTDOWN to the extensions that subscribed to it; false when none did.
  virtual bool shutdown_extensions(const std::string& /*reason*/, std::int64_t /*deadline_ms*/) {
    return false;
  }
  // Lambda's EXTENSION log lines for the extensions that registered.
  virtual std::vector<std::string> extension_log_lines() const { return {}; }
  // An event for the Telemetry API's subscribers (telemetry.h): "function" with a log line as a
  // JSON string, or "platform.*" with a JSON object.
  virtual void telemetry(const std::string& /*type*/, const std::string& /*record_json*/) {}
};

}  // namespace lambdakit::platform::env
