#include "platform/env/go1x_channel.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>
#include <optional>

#include "wire/go1x/rpc_client.h"
#include "wire/gob/error.h"
#include "wire/json.h"

namespace lambdakit::platform::env {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace go1x = wire::go1x;
namespace gob = wire::gob;
namespace {

constexpr std::size_t max_response_bytes = 6291556;
// A reply may carry a payload over the 6 MB limit, which the caller is told about as
// Function.ResponseSizeTooLarge; beyond this the stream itself is refused.
constexpr std::size_t max_reply_message = std::size_t{16} * 1024 * 1024;
// A refused connect on loopback costs microseconds, and a function listens within a millisecond
// or two of its start: dial every 100 us for the first 20 ms (the cold start is what the go1.x
// path is measured by), then back off to every 5 ms.
constexpr auto first_dial_pause = std::chrono::microseconds(100);
constexpr int fast_dials = 200;
constexpr auto max_dial_pause = std::chrono::milliseconds(5);
// When the connection drops mid-invoke the process has usually exited; its exit status makes
// the better message, so the environment gets this long to report it first.
constexpr auto exit_grace = std::chrono::milliseconds(200);

std::string error_json(std::string_view type, std::string_view message) {
  std::string body = "{\"errorType\":";
  wire::json::append_string(body, type);
  body += ",\"errorMessage\":";
  wire::json::append_string(body, message);
  body += "}";
  return body;
}

// aws-lambda-go's InvokeResponse_Error as JSON: errorMessage, errorType, stackTrace (omitted
// when empty, as its `omitempty` tag says).
std::string function_error_json(const go1x::invoke_error& e) {
  std::string body = "{\"errorMessage\":";
  wire::json::append_string(body, e.message);
  body += ",\"errorType\":";
  wire::json::append_string(body, e.type);
  if (!e.stack_trace.empty()) {
    body += ",\"stackTrace\":[";
    for (std::size_t i = 0; i < e.stack_trace.size(); ++i) {
      const auto& f = e.stack_trace[i];
      if (i > 0) body += ",";
      body += "{\"path\":";
      wire::json::append_string(body, f.path);
      body += ",\"line\":" + std::to_string(f.line) + ",\"label\":";
      wire::json::append_string(body, f.label);
      body += "}";
    }
    body += "]";
  }
  body += "}";
  return body;
}

void split_cognito(const std::string& json, go1x::invoke_request& out) {
  if (json.empty()) return;
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return;
  if (auto it = j.find("cognitoIdentityId"); it != j.end() && it->is_string())
    out.cognito_identity_id = it->get<std::string>();
  if (auto it = j.find("cognitoIdentityPoolId"); it != j.end() && it->is_string())
    out.cognito_identity_pool_id = it->get<std::string>();
}

class go1x_channel final : public runtime_channel,
                           public std::enable_shared_from_this<go1x_channel> {
 public:
  go1x_channel(asio::io_context& io, channel_events events)
      : io_(io), events_(std::move(events)), dial_timer_(io), grace_timer_(io) {}
  ~go1x_channel() override {
    try {
      close();
    } catch (...) {  // the sockets and timers go with the object in any case
    }
  }

  result<std::vector<std::pair<std::string, std::string>>> open() override {
    // A port the kernel just handed out, released for the function to listen on.
    boost::system::error_code ec;
    tcp::acceptor probe(io_);
    probe.open(tcp::v4(), ec);
    if (!ec) probe.bind({asio::ip::address_v4::loopback(), 0}, ec);
    if (ec) {
      return make_failure(std::error_code(ec.value(), std::system_category()),
                          "finding a free port for _LAMBDA_SERVER_PORT");
    }
    port_ = probe.local_endpoint().port();
    closed_ = false;
    return std::vector<std::pair<std::string, std::string>>{
        {"_LAMBDA_SERVER_PORT", std::to_string(port_)}};
  }

  void runtime_started() override {
    drop_connection();
    ready_ = false;
    in_flight_.reset();
    pending_.reset();
    generation_++;
    dial_pause_ = first_dial_pause;
    dials_ = 0;
    dial();
  }

  void deliver(invoke_request req, std::chrono::milliseconds timeout) override {
    pending_ = std::move(req);
    timeout_ = timeout;
    send();
  }

  void abandon() override {
    pending_.reset();
    in_flight_.reset();
    grace_timer_.cancel();
  }

  void close() override {
    closed_ = true;
    generation_++;
    dial_timer_.cancel();
    grace_timer_.cancel();
    drop_connection();
  }

 private:
  void drop_connection() {
    if (socket_) {
      boost::system::error_code ignored;
      socket_->close(ignored);
      socket_.reset();
    }
    conv_.reset();
    writing_ = false;
    out_.clear();
    sending_.clear();
  }

  // Dials until the function listens; the environment's Init limit ends the wait.
  void dial() {
    if (closed_) return;
    socket_ = std::make_unique<tcp::socket>(io_);
    std::weak_ptr<go1x_channel> weak = weak_from_this();
    std::uint64_t gen = generation_;
    socket_->async_connect({asio::ip::address_v4::loopback(), port_},
                           [weak, gen](const boost::system::error_code& ec) {
                             auto self = weak.lock();
                             if (!self || self->generation_ != gen || self->closed_) return;
                             if (ec) return self->redial();
                             self->connected();
                           });
  }

  void redial() {
    drop_connection();
    std::weak_ptr<go1x_channel> weak = weak_from_this();
    std::uint64_t gen = generation_;
    dial_timer_.expires_after(dial_pause_);
    if (++dials_ > fast_dials) {
      dial_pause_ = std::min<std::chrono::microseconds>(dial_pause_ * 2, max_dial_pause);
    }
    dial_timer_.async_wait([weak, gen](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->generation_ != gen) return;
      self->dial();
    });
  }

  void connected() {
    socket_->set_option(tcp::no_delay(true));
    gob::stream_limits limits;
    limits.max_message = max_reply_message;
    conv_.emplace(limits);
    conv_->call_ping(out_);
    flush();
    read();
  }

  void send() {
    if (!pending_ || !ready_ || in_flight_ || !conv_ || closed_) return;
    invoke_request req = std::move(*pending_);
    pending_.reset();
    go1x::invoke_request r;
    auto deadline = std::chrono::system_clock::now() + timeout_;
    auto since_epoch = deadline.time_since_epoch();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    r.deadline_seconds = secs.count();
    r.deadline_nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count();
    split_cognito(req.cognito_identity, r);
    r.payload = std::move(req.payload);
    r.request_id = req.request_id;
    in_flight_id_ = req.request_id;
    r.trace_id = std::move(req.trace_id);
    r.function_arn = std::move(req.function_arn);
    r.client_context = std::move(req.client_context);
    in_flight_ = conv_->call_invoke(r, out_);
    if (events_.delivered) events_.delivered();
    flush();
  }

  void flush() {
    if (writing_ || out_.empty() || !socket_) return;
    writing_ = true;
    sending_.swap(out_);
    out_.clear();
    std::weak_ptr<go1x_channel> weak = weak_from_this();
    std::uint64_t gen = generation_;
    asio::async_write(*socket_, asio::buffer(sending_),
                      [weak, gen](const boost::system::error_code& ec, std::size_t) {
                        auto self = weak.lock();
                        if (!self || self->generation_ != gen) return;
                        self->writing_ = false;
                        self->sending_.clear();
                        if (ec) return self->lost("sending to the function: " + ec.message());
                        self->flush();
                      });
  }

  void read() {
    if (!socket_) return;
    std::weak_ptr<go1x_channel> weak = weak_from_this();
    std::uint64_t gen = generation_;
    socket_->async_read_some(asio::buffer(buf_), [weak, gen](const boost::system::error_code& ec,
                                                             std::size_t n) {
      auto self = weak.lock();
      if (!self || self->generation_ != gen || !self->conv_) return;
      if (ec) {
        return self->lost(ec == asio::error::eof ? std::string("the function closed its connection")
                                                 : "reading from the function: " + ec.message());
      }
      self->conv_->feed(std::string_view(self->buf_.data(), n));
      if (self->take_replies()) self->read();
    });
  }

  // Handles every complete reply; false when the connection is no longer read.
  bool take_replies() {
    for (;;) {
      auto r = conv_->next();
      if (!r) {
        broken(r.error());
        return false;
      }
      if (!*r) return true;
      go1x::reply& rep = **r;
      if (!ready_) {  // the answer to Ping: Init is over
        if (!rep.error.empty()) {
          broken(make_failure(gob::error::type_mismatch,
                              "Function.Ping answered an error: " + rep.error));
          return false;
        }
        ready_ = true;
        if (events_.ready) events_.ready();
        if (pending_) {
          send();
        } else if (events_.idle) {
          events_.idle();
        }
        continue;
      }
      if (!in_flight_ || rep.seq != *in_flight_) continue;  // an abandoned invoke's late answer
      in_flight_.reset();
      runtime_answer a;
      a.content_type = "application/json";
      if (!rep.error.empty()) {  // aws-lambda-go never fails the call itself
        a.status = invoke_status::function_error;
        a.body = error_json(
            "Runtime.InvalidResponse",
            "RequestId: " + in_flight_id_ + " Error: Function.Invoke failed: " + rep.error);
      } else if (rep.invoke->error) {
        a.status = invoke_status::function_error;
        a.body = function_error_json(*rep.invoke->error);
        a.reset = rep.invoke->error->should_exit;
      } else if (rep.invoke->payload.size() > max_response_bytes) {
        a.status = invoke_status::response_too_large;
        a.body =
            R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."})";
      } else {
        a.body = std::move(rep.invoke->payload);
      }
      bool reset = a.reset;
      if (events_.answered) events_.answered(std::move(a));
      if (!reset && !closed_ && events_.idle) events_.idle();
      if (!conv_) return false;
    }
  }

  // The function's bytes are not the gob stream they should be.
  void broken(const failure& f) {
    drop_connection();
    if (!in_flight_) {
      // During Init (before Ping's answer) a function that answers with garbage will not do
      // better on the next dial: Init fails now, with the reason, instead of at its limit.
      if (!ready_ && pending_ && events_.answered) {
        std::string id = pending_->request_id;
        pending_.reset();
        runtime_answer a;
        a.status = invoke_status::init_error;
        a.content_type = "application/json";
        a.reset = true;
        a.body = error_json("Runtime.InvalidResponse",
                            "RequestId: " + id +
                                " Error: during Init the go1.x function answered Function.Ping "
                                "with bytes that are not a Go net/rpc gob reply: " +
                                f.message());
        events_.answered(std::move(a));
      }
      return;  // between invokes: the next one dials again
    }
    in_flight_.reset();
    runtime_answer a;
    a.content_type = "application/json";
    a.reset = true;
    if (f.code == gob::error::too_large) {
      a.status = invoke_status::response_too_large;
      a.body =
          R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."})";
    } else {
      a.status = invoke_status::crash;
      a.body = error_json("Runtime.InvalidResponse",
                          "RequestId: " + in_flight_id_ +
                              " Error: the go1.x function answered with bytes that are not a Go "
                              "net/rpc gob reply: " +
                              f.message());
    }
    if (events_.answered) events_.answered(std::move(a));
  }

  // The connection ended.
  void lost(const std::string& why) {
    drop_connection();
    if (!in_flight_) {
      // Not listening properly yet (Init goes on until its limit), or the connection dropped
      // between invokes: dial again, and Ping again before the next event.
      ready_ = false;
      redial();
      return;
    }
    std::weak_ptr<go1x_channel> weak = weak_from_this();
    std::uint64_t gen = generation_;
    grace_timer_.expires_after(exit_grace);
    grace_timer_.async_wait([weak, gen, why](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->generation_ != gen || !self->in_flight_) return;
      self->in_flight_.reset();
      runtime_answer a;
      a.status = invoke_status::crash;
      a.content_type = "application/json";
      a.reset = true;
      a.body =
          error_json("Runtime.ExitError",
                     "RequestId: " + self->in_flight_id_ +
                         " Error: the go1.x function's connection ended mid-invoke (" + why + ")");
      if (self->events_.answered) self->events_.answered(std::move(a));
    });
  }

  asio::io_context& io_;
  channel_events events_;
  asio::steady_timer dial_timer_, grace_timer_;
  std::unique_ptr<tcp::socket> socket_;
  std::optional<go1x::client_conversation> conv_;
  std::array<char, std::size_t{64} * 1024> buf_{};
  std::string out_, sending_;
  bool writing_ = false;
  std::uint16_t port_ = 0;
  bool closed_ = false;
  bool ready_ = false;
  std::optional<invoke_request> pending_;
  std::optional<std::uint64_t> in_flight_;  // the Seq of the Invoke the function is running
  std::string in_flight_id_;                // and its request id, for error messages
  std::chrono::milliseconds timeout_{3000};
  std::chrono::microseconds dial_pause_ = first_dial_pause;
  int dials_ = 0;
  std::uint64_t generation_ = 0;  // bumped by runtime_started and close: stale callbacks stop
};

}  // namespace

std::shared_ptr<runtime_channel> make_go1x_channel(asio::io_context& io, channel_events events) {
  return std::make_shared<go1x_channel>(io, std::move(events));
}

}  // namespace lambdakit::platform::env
