#include "platform/env/runtime_api_channel.h"

#include <optional>

#include "platform/env/api_answers.h"
#include "platform/env/telemetry.h"
#include "platform/http/server.h"
#include "wire/base64.h"
#include "wire/json.h"

namespace lambdakit::platform::env {
namespace {

constexpr std::size_t max_response_bytes = 6291556;
constexpr std::size_t max_request_body = std::size_t{210} * 1024 * 1024;

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class runtime_api_channel final : public runtime_channel,
                                  public std::enable_shared_from_this<runtime_api_channel> {
 public:
  runtime_api_channel(boost::asio::io_context& io, channel_events events)
      : io_(io),
        events_(std::move(events)),
        telemetry_(io),
        hub_({.changed = [this] { on_extensions_changed(); },
              .failed =
                  [this](std::string type, std::string message) {
                    if (events_.extension_failed)
                      events_.extension_failed(std::move(type), std::move(message));
                  }}) {}
  ~runtime_api_channel() override { close(); }

  result<std::vector<std::pair<std::string, std::string>>> open() override {
    if (!server_) {
      std::weak_ptr<runtime_api_channel> weak = weak_from_this();
      auto server =
          http::server::start(io_,
                              {.host = "127.0.0.1",
                               .port = 0,
                               .body_limit = max_request_body,
                               .name = "runtime-api",
                               .admit = events_.admit,
                               .stream_body = [weak](const http::request& head) -> http::body_sink {
                                 auto self = weak.lock();
                                 if (!self || self->closed_) return {};
                                 return self->stream_sink(head);
                               }},
                              [weak](http::request&& r, http::responder respond) {
                                if (auto self = weak.lock(); self && !self->closed_) {
                                  self->on_request(std::move(r), std::move(respond));
                                } else {
                                  respond(api_error(500, "ServiceException", "environment gone"));
                                }
                              });
      if (!server) return std::move(server).error();
      server_ = std::move(server).value();
      closed_ = false;
    }
    return std::vector<std::pair<std::string, std::string>>{
        {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + std::to_string(server_->port())}};
  }

  void runtime_started() override {
    parked_next_.reset();
    ready_ = false;
    next_since_answer_ = false;
    last_answered_.clear();
    in_flight_.clear();
    end_stream();
  }

  void deliver(invoke_request req, std::chrono::milliseconds timeout) override {
    pending_ = std::move(req);
    timeout_ = timeout;
    send();
  }

  void abandon() override {
    pending_.reset();
    if (!in_flight_.empty()) {
      last_answered_ = std::move(in_flight_);
      in_flight_.clear();
      next_since_answer_ = false;
    }
    end_stream();
  }

  void close() override {
    closed_ = true;
    parked_next_.reset();
    if (server_) server_->close();
  }

  void prepare_extensions(const extension_setup& setup) override {
    hub_.reset(setup);
    telemetry_.reset();
  }
  void telemetry(const std::string& type, const std::string& record_json) override {
    telemetry_.emit(type, record_json);
  }
  bool extensions_busy() const override { return !hub_.all_waiting(); }
  bool shutdown_extensions(const std::string& reason, std::int64_t deadline_ms) override {
    return hub_.shutdown(reason, deadline_ms);
  }
  std::vector<std::string> extension_log_lines() const override { return hub_.log_lines(); }

 private:
  void on_request(http::request&& r, http::responder respond) {
    if (hub_.handle(r, respond)) return;
    std::string_view path = r.path();
    if (path == "/2022-07-01/telemetry") {
      if (r.method != "PUT") return respond(api_error(405, "MethodNotAllowed", "use PUT"));
      auto id = r.header("Lambda-Extension-Identifier");
      if (!id) {
        return respond(api_error(403, "Extension.MissingExtensionIdentifier",
                                 "Missing Lambda-Extension-Identifier header"));
      }
      auto name = hub_.name_of(*id);
      if (!name) {
        return respond(api_error(403, "Extension.UnknownExtensionIdentifier",
                                 "Unknown extension " + std::string(*id)));
      }
      return respond(telemetry_.subscribe(*name, r.body));
    }
    constexpr std::string_view base = "/2018-06-01/runtime/";
    if (path.substr(0, base.size()) != base) {
      return respond(api_error(
          404, "NotFound",
          "lambdakit serves the Runtime API (2018-06-01), the Extensions API (2020-01-01) and the "
          "Telemetry API (2022-07-01)"));
    }
    std::string_view rest = path.substr(base.size());
    if (rest == "invocation/next") {
      if (r.method != "GET") return respond(api_error(405, "MethodNotAllowed", "use GET"));
      return on_next(std::move(respond));
    }
    if (rest == "init/error") {
      if (r.method != "POST") return respond(api_error(405, "MethodNotAllowed", "use POST"));
      return on_init_error(r, respond);
    }
    constexpr std::string_view inv = "invocation/";
    if (rest.substr(0, inv.size()) == inv) {
      rest.remove_prefix(inv.size());
      auto slash = rest.find('/');
      if (slash != std::string_view::npos && r.method == "POST") {
        std::string id(rest.substr(0, slash));
        std::string_view what = rest.substr(slash + 1);
        if (what == "response") return on_answer(id, r, respond, false);
        if (what == "error") return on_answer(id, r, respond, true);
      }
    }
    respond(api_error(404, "NotFound", "no such Runtime API call: " + std::string(path)));
  }

  void on_next(http::responder respond) {
    next_since_answer_ = true;
    parked_next_ = std::move(respond);
    hub_.close_registration();  // the runtime's first /next closes it (later ones change nothing)
    maybe_ready();
    if (!ready_) return;  // an extension is still in its Init
    if (pending_) return send();
    // Lambda freezes an environment once its runtime waits in /next with nothing to do, not
    // when the response is posted: work between /response and /next still runs. So does an
    // extension's, until it is back in /event/next.
    if (hub_.all_waiting() && events_.idle) events_.idle();
  }

  // Init is over when the runtime and every extension wait for their first event.
  void maybe_ready() {
    if (ready_ || !parked_next_ || !hub_.all_waiting()) return;
    ready_ = true;
    for (auto& record : hub_.telemetry_records()) telemetry_.emit("platform.extension", record);
    if (events_.ready) events_.ready();
    telemetry_.init_over();
  }

  void on_extensions_changed() {
    if (closed_) return;
    if (!ready_) {
      maybe_ready();
      if (ready_ && pending_) send();
      return;
    }
    if (!hub_.all_waiting()) return;
    if (events_.settled) events_.settled();
    if (!closed_ && parked_next_ && !pending_ && in_flight_.empty() && events_.idle) events_.idle();
  }

  void send() {
    if (!pending_ || !parked_next_ || closed_ || !ready_) return;
    auto respond = std::move(*parked_next_);
    parked_next_.reset();
    invoke_request req = std::move(*pending_);
    pending_.reset();
    in_flight_ = req.request_id;
    stream_ = std::move(req.stream);
    http::response r;
    r.set("Content-Type", "application/json");
    r.set("Lambda-Runtime-Aws-Request-Id", req.request_id);
    std::int64_t deadline = epoch_ms() + timeout_.count();
    r.set("Lambda-Runtime-Deadline-Ms", std::to_string(deadline));
    r.set("Lambda-Runtime-Invoked-Function-Arn", req.function_arn);
    if (!req.trace_id.empty()) r.set("Lambda-Runtime-Trace-Id", req.trace_id);
    if (!req.client_context.empty()) r.set("Lambda-Runtime-Client-Context", req.client_context);
    if (!req.cognito_identity.empty())
      r.set("Lambda-Runtime-Cognito-Identity", req.cognito_identity);
    hub_.invoke(req, deadline);  // the extensions' INVOKE goes with the runtime's event
    r.body = std::move(req.payload);
    if (events_.delivered) events_.delivered();
    respond(std::move(r));
  }

  void on_answer(const std::string& id, const http::request& r, const http::responder& respond,
                 bool is_error) {
    if (in_flight_.empty()) {
      if (!next_since_answer_ || id == last_answered_) {
        return respond(api_error(
            403, "InvalidStateTransition",
            "State transition from " +
                std::string(last_answered_.empty() ? "Init" : "InvocationResponse") + " to " +
                (is_error ? "InvocationErrorResponse" : "InvocationResponse") + " failed"));
      }
      return respond(api_error(400, "InvalidRequestID", "Invalid request ID: " + id));
    }
    if (id != in_flight_) {
      return respond(api_error(400, "InvalidRequestID", "Invalid request ID: " + id));
    }
    auto mode = r.header("Lambda-Runtime-Function-Response-Mode");
    bool streaming = mode && *mode == "streaming";
    if (mode && !streaming) {
      return respond(
          api_error(400, "InvalidFunctionResponseMode",
                    "Lambda-Runtime-Function-Response-Mode must be \"streaming\", not \"" +
                        std::string(*mode) + "\""));
    }
    runtime_answer a;
    a.content_type = std::string(r.header("Content-Type").value_or("application/json"));
    a.body = r.body;
    bool streamed = streamed_id_ == id;  // the body went to the caller as it came
    bool oversized = streamed && oversized_;
    end_stream();
    if (is_error) {
      a.status = invoke_status::function_error;
      a.content_type = "application/json";
      respond(accepted());
    } else if (oversized) {
      respond(api_error(413, "RequestEntityTooLarge",
                        "Response payload size exceeded maximum allowed payload size (" +
                            std::to_string(max_streamed_response) + " bytes)."));
      a.status = invoke_status::response_too_large;
      a.content_type = "application/json";
      a.body =
          R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size ()" +
          std::to_string(max_streamed_response) + R"( bytes)."})";
    } else if (streaming || streamed) {
      auto type = r.header("Lambda-Runtime-Function-Error-Type");
      auto body = r.header("Lambda-Runtime-Function-Error-Body");
      if (type || body) {  // the stream ended with an error trailer
        std::optional<std::string> decoded = body ? wire::base64::decode(*body) : std::nullopt;
        a.status = invoke_status::function_error;
        a.content_type = "application/json";
        a.body =
            decoded
                ? *decoded
                : std::string(
                      R"({"errorMessage":"the response stream ended with an error","errorType":")") +
                      std::string(type.value_or("Unknown")) + "\"}";
      }
      respond(accepted());
    } else if (r.body.size() > max_response_bytes) {
      respond(api_error(413, "RequestEntityTooLarge",
                        "Response payload size (" + std::to_string(r.body.size()) +
                            " bytes) exceeded maximum allowed payload size (" +
                            std::to_string(max_response_bytes) + " bytes)."));
      a.status = invoke_status::response_too_large;
      a.content_type = "application/json";
      a.body =
          R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."})";
    } else {
      respond(accepted());
    }
    last_answered_ = std::move(in_flight_);
    in_flight_.clear();
    next_since_answer_ = false;
    if (events_.answered) events_.answered(std::move(a));
  }

  // A /response to the in-flight invoke of a streamed call: its body goes to the caller as it
  // arrives (whether the runtime streams or sends it whole). Anything else is read whole.
  http::body_sink stream_sink(const http::request& head) {
    if (head.method != "POST" || !stream_ || in_flight_.empty()) return {};
    if (head.path() != "/2018-06-01/runtime/invocation/" + in_flight_ + "/response") return {};
    auto mode = head.header("Lambda-Runtime-Function-Response-Mode");
    if (mode && *mode != "streaming") return {};  // on_answer refuses it
    streamed_id_ = in_flight_;
    streamed_bytes_ = 0;
    oversized_ = false;
    stream_->begin(
        std::string(head.header("Content-Type")
                        .value_or(mode ? "application/octet-stream" : "application/json")));
    std::weak_ptr<runtime_api_channel> weak = weak_from_this();
    return [weak, id = in_flight_](std::string_view bytes) {
      auto self = weak.lock();
      if (!self || self->streamed_id_ != id || !self->stream_) {
        return std::chrono::milliseconds(0);  // abandoned (timed out): read and dropped
      }
      return self->forward(bytes);
    };
  }

  std::chrono::milliseconds forward(std::string_view bytes) {
    if (oversized_) return std::chrono::milliseconds(0);
    if (streamed_bytes_ + bytes.size() > max_streamed_response) {
      bytes = bytes.substr(0, max_streamed_response - streamed_bytes_);
      oversized_ = true;
    }
    streamed_bytes_ += bytes.size();
    return bytes.empty() ? std::chrono::milliseconds(0) : stream_->bytes(bytes);
  }

  void end_stream() {
    stream_.reset();
    streamed_id_.clear();
    streamed_bytes_ = 0;
    oversized_ = false;
  }

  void on_init_error(const http::request& r, const http::responder& respond) {
    if (ready_) {
      return respond(api_error(403, "InvalidStateTransition",
                               "State transition from Ready to InitError failed"));
    }
    respond(accepted());
    if (events_.init_error) events_.init_error(r.body);
  }

  boost::asio::io_context& io_;
  channel_events events_;
  std::unique_ptr<http::server> server_;
  bool closed_ = false;
  std::optional<http::responder> parked_next_;
  std::optional<invoke_request> pending_;
  std::chrono::milliseconds timeout_{3000};
  std::string in_flight_;      // the request id the runtime is working on
  std::string last_answered_;  // the last request id answered (or abandoned)
  bool next_since_answer_ = false;
  bool ready_ = false;  // the runtime has asked for work since it started: Init is over
  std::shared_ptr<response_stream> stream_;  // the in-flight invoke's caller, when it streams
  std::string streamed_id_;                  // the request whose /response body is being streamed
  std::size_t streamed_bytes_ = 0;
  bool oversized_ = false;   // past max_streamed_response: the rest is dropped
  telemetry_hub telemetry_;  // the Telemetry API's subscribers
  extension_hub hub_;        // the Extensions API, on the same server
};

}  // namespace

std::shared_ptr<runtime_channel> make_runtime_api_channel(boost::asio::io_context& io,
                                                          channel_events events) {
  return std::make_shared<runtime_api_channel>(io, std::move(events));
}

}  // namespace lambdakit::platform::env
