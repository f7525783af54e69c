#include "platform/env/telemetry.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <ctime>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>

namespace lambdakit::platform::env {
namespace {

using json = nlohmann::json;
namespace asio = boost::asio;

// Kept for subscribers that come during Init, at most this many.
constexpr std::size_t max_kept = 1000;

http::response validation_error(const std::string& message) {
  http::response r;
  r.status = 400;
  r.set("Content-Type", "application/json");
  r.body = json{{"errorType", "ValidationError"}, {"errorMessage", message}}.dump();
  return r;
}

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&t));
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

std::string category_of(const std::string& type) {
  return type.rfind("platform.", 0) == 0 ? "platform" : type;
}

struct subscriber : std::enable_shared_from_this<subscriber> {
  explicit subscriber(asio::io_context& ctx) : io(ctx), timer(ctx) {}
  asio::io_context& io;
  std::string extension;
  std::string host;  // numeric: sandbox.localdomain is this machine's loopback here
  unsigned short port = 0;
  std::string path;
  std::set<std::string> types;
  std::size_t max_items = 1000, max_bytes = 262144;
  std::chrono::milliseconds timeout{1000};
  std::vector<std::string> batch;  // JSON objects
  std::size_t batch_bytes = 0;
  std::deque<std::string> ready;  // whole arrays waiting for the POST in flight
  bool sending = false;
  bool timer_armed = false;
  bool gone = false;
  asio::steady_timer timer;

  void add(std::string item) {
    batch_bytes += item.size() + 1;
    batch.push_back(std::move(item));
    if (batch.size() >= max_items || batch_bytes >= max_bytes) return flush();
    if (!timer_armed) {
      timer_armed = true;
      timer.expires_after(timeout);
      timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self) return;
        self->timer_armed = false;
        self->flush();
      });
    }
  }

  void flush() {
    if (batch.empty() || gone) return;
    std::string body = "[";
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i > 0) body += ",";
      body += batch[i];
    }
    body += "]";
    batch.clear();
    batch_bytes = 0;
    ready.push_back(std::move(body));
    send_next();
  }

  void send_next() {
    if (sending || ready.empty() || gone) return;
    sending = true;
    auto request = std::make_shared<std::string>(
        "POST " + path + " HTTP/1.1\r\nHost: sandbox.localdomain:" + std::to_string(port) +
        "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(ready.front().size()) + "\r\n\r\n" + ready.front());
    ready.pop_front();
    auto socket = std::make_shared<asio::ip::tcp::socket>(io);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return done();
    auto self = shared_from_this();
    socket->async_connect({address, port}, [self, socket, request](boost::system::error_code e) {
      if (e) return self->done();
      asio::async_write(*socket, asio::buffer(*request),
                        [self, socket, request](boost::system::error_code e2, std::size_t) {
                          if (e2) return self->done();
                          auto sink = std::make_shared<asio::streambuf>();
                          asio::async_read(*socket, *sink,
                                           [self, socket, sink](boost::system::error_code,
                                                                std::size_t) { self->done(); });
                        });
    });
  }

  // The POST is over (answered, refused or failed: Lambda does not retry a listener that is not
  // there either); the next batch goes.
  void done() {
    sending = false;
    send_next();
  }
};

}  // namespace

struct telemetry_hub::impl {
  explicit impl(asio::io_context& ctx) : io(ctx) {}
  asio::io_context& io;
  std::vector<std::shared_ptr<subscriber>> subscribers;
  std::vector<std::pair<std::string, std::string>> kept;  // (category, item) during Init
  bool keeping = true;
};

telemetry_hub::telemetry_hub(asio::io_context& io) : impl_(std::make_shared<impl>(io)) {}

telemetry_hub::~telemetry_hub() {
  // A pending flush timer captures its subscriber weakly; cancelling runs it with
  // operation_aborted, which returns at once.
  try {
    for (auto& s : impl_->subscribers) {
      s->gone = true;
      s->timer.cancel();
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing to do in a destructor
  }
}

void telemetry_hub::reset() {
  for (auto& s : impl_->subscribers) {
    s->gone = true;
    s->timer.cancel();
  }
  impl_->subscribers.clear();
  impl_->kept.clear();
  impl_->keeping = true;
}

http::response telemetry_hub::subscribe(const std::string& extension, const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return validation_error("the body is not a JSON object");
  std::string schema = j.value("schemaVersion", "");
  if (schema != "2022-07-01" && schema != "2022-12-13" && schema != "2025-01-29") {
    return validation_error("schemaVersion must be 2022-07-01, 2022-12-13 or 2025-01-29, not \"" +
                            schema + "\"");
  }
  auto sub = std::make_shared<subscriber>(impl_->io);
  sub->extension = extension;
  const json& d = j.contains("destination") ? j["destination"] : json();
  if (!d.is_object() || d.value("protocol", "") != "HTTP" || !d.contains("URI") ||
      !d["URI"].is_string()) {
    return validation_error(
        "destination must be {\"protocol\": \"HTTP\", \"URI\": \"http://sandbox.localdomain:PORT/"
        "path\"} (lambdakit delivers over HTTP only)");
  }
  std::string uri = d["URI"];
  constexpr std::string_view scheme = "http://";
  if (uri.rfind(scheme, 0) != 0) return validation_error("destination.URI must be http://...");
  std::string rest = uri.substr(scheme.size());
  std::string authority = rest.substr(0, rest.find('/'));
  sub->path = rest.size() > authority.size() ? rest.substr(authority.size()) : "/";
  auto colon = authority.rfind(':');
  std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
  int port = colon == std::string::npos ? 80 : std::atoi(authority.c_str() + colon + 1);
  if (host != "sandbox.localdomain" && host != "localhost" && host != "127.0.0.1") {
    return validation_error(
        "destination.URI must name sandbox.localdomain (the environment), not " + host);
  }
  if (port <= 0 || port > 65535) return validation_error("destination.URI has no valid port");
  sub->host = "127.0.0.1";
  sub->port = static_cast<unsigned short>(port);
  if (!j.contains("types") || !j["types"].is_array() || j["types"].empty())
    return validation_error("types must list platform, function and/or extension");
  for (const auto& t : j["types"]) {
    if (!t.is_string() || (t != "platform" && t != "function" && t != "extension"))
      return validation_error("types may hold platform, function and extension, not " + t.dump());
    sub->types.insert(t.get<std::string>());
  }
  if (j.contains("buffering")) {
    const json& b = j["buffering"];
    auto member = [&](const char* k, long lo, long hi, std::size_t& out) -> bool {
      if (!b.contains(k)) return true;
      if (!b[k].is_number_integer() || b[k].get<long>() < lo || b[k].get<long>() > hi) return false;
      out = static_cast<std::size_t>(b[k].get<long>());
      return true;
    };
    std::size_t timeout_ms = 1000;
    if (!b.is_object() || !member("maxItems", 1000, 10000, sub->max_items) ||
        !member("maxBytes", 262144, 1048576, sub->max_bytes) ||
        !member("timeoutMs", 25, 30000, timeout_ms)) {
      return validation_error(
          "buffering: maxItems 1000..10000, maxBytes 262144..1048576, timeoutMs 25..30000");
    }
    sub->timeout = std::chrono::milliseconds(timeout_ms);
  }
  for (const auto& [category, item] : impl_->kept)
    if (sub->types.contains(category)) sub->add(item);
  impl_->subscribers.push_back(sub);
  http::response r;
  r.status = 200;
  r.set("Content-Type", "text/plain");
  r.body = "OK";
  return r;
}

void telemetry_hub::emit(const std::string& type, const std::string& record_json) {
  if (impl_->subscribers.empty() && !impl_->keeping) return;
  std::string item =
      R"({"time":")" + iso_now() + R"(","type":")" + type + R"(","record":)" + record_json + "}";
  std::string category = category_of(type);
  if (impl_->keeping && impl_->kept.size() < max_kept) impl_->kept.emplace_back(category, item);
  for (auto& s : impl_->subscribers)
    if (s->types.contains(category)) s->add(item);
}

void telemetry_hub::init_over() {
  impl_->keeping = false;
  impl_->kept.clear();
}

}  // namespace lambdakit::platform::env
