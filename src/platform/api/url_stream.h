// A RESPONSE_STREAM function URL's answer as the runtime writes it: after the
// http-integration-response prelude (status, headers, cookies, then 8 NUL bytes) the body goes
// to the caller in chunks, at AWS's streaming pace; a runtime that writes without a prelude
// gets a 200 of its own Content-Type.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "platform/api/stream_relay.h"
#include "platform/env/invocation.h"
#include "platform/function.h"
#include "platform/http/message.h"

namespace lambdakit::platform::api {

class url_stream final : public env::response_stream,
                         public std::enable_shared_from_this<url_stream> {
 public:
  // `origin`: the request's Origin header (for CORS), or empty. `log` gets what could not be
  // mapped.
  url_stream(http::responder respond, std::string request_id, url_config::cors_config cors,
             std::string origin, stream_limits limits, std::function<void(std::string)> log);

  void begin(const std::string& content_type) override;
  std::chrono::milliseconds bytes(std::string_view b) override;
  bool begun() const override { return begun_; }

  // The invoke is over: the whole answer when nothing was streamed (a buffered path, an error
  // first), else the end of the body.
  void finish(const env::invoke_outcome& o);

 private:
  void send_head(http::response head);
  void write(std::string_view b);
  void finish_cors(http::response& r) const;

  http::responder respond_;
  std::string request_id_;
  url_config::cors_config cors_;
  std::string origin_;
  stream_pacer pacer_;
  std::function<void(std::string)> log_;
  bool begun_ = false;
  bool prelude_ = false;  // the runtime's answer starts with a prelude
  bool head_sent_ = false;
  bool finished_ = false;
  std::string pending_;  // the prelude so far
  std::shared_ptr<http::body_writer> writer_;
};

}  // namespace lambdakit::platform::api
