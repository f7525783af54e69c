// The Telemetry API (PUT /2022-07-01/telemetry) of one execution environment: an extension
// subscribes an HTTP listener of its own to platform events, function logs and extension logs,
// and the environment's events are batched (maxItems, maxBytes, timeoutMs) and POSTed to it as
// JSON arrays of {"time","type","record"} (telemetry-api.md). Events from the start of Init are
// kept until Init ends, so a subscriber that subscribes during Init gets them too.
//
// On the service's thread; delivery is asynchronous (one POST in flight per subscriber, in
// order). A listener in a frozen environment takes its POST when the environment thaws.
#pragma once

#include <memory>
#include <string>

#include "platform/http/message.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

class telemetry_hub {
 public:
  explicit telemetry_hub(boost::asio::io_context& io);
  ~telemetry_hub();

  // A new runtime process: subscriptions and kept events are dropped.
  void reset();
  // PUT /2022-07-01/telemetry from the extension `extension` (a registered one): 200 "OK", or
  // AWS's 400 ValidationError naming the member at fault.
  http::response subscribe(const std::string& extension, const std::string& body);
  // One event: `type` is "function" (a log line: `record` is the line, as a JSON string),
  // "extension", or "platform.*" (`record` a JSON object).
  void emit(const std::string& type, const std::string& record_json);
  // Init is over: events are no longer kept for later subscribers.
  void init_over();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lambdakit::platform::env
