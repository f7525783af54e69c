// The platform's HTTP request and response, as plain values: handlers see these, never Beast.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambdakit::platform::http {

struct request {
  std::string method;
  std::string target;  // path and query, as received (still percent-encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // trailers of chunked bodies included
  std::string body;
  std::string peer;  // the client's IP address, when the server knows it

  // The first header called `name` (any case).
  std::optional<std::string_view> header(std::string_view name) const;
  std::string_view path() const;   // target before '?'
  std::string_view query() const;  // target after '?', or empty
};

// The body of a streamed response, written as it is produced (chunked transfer encoding).
class body_writer {
 public:
  virtual ~body_writer() = default;
  // Sends `bytes` after what was sent before (nothing when empty, or once the connection is gone).
  virtual void write(std::string bytes) = 0;
  // Ends the body; the connection goes on to its next request. Writes after it are dropped.
  virtual void finish() = 0;
  // Bytes given and not yet taken by the socket: a producer that outruns its reader waits.
  virtual std::size_t queued() const = 0;
  // The connection is gone (the client left, or the server closed): writes are dropped.
  virtual bool broken() const = 0;
};

struct response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set: the body is streamed instead of `body`. The server sends the head (with
  // Transfer-Encoding: chunked), then calls this once, at once, with the writer of the body.
  std::function<void(std::shared_ptr<body_writer>)> stream;

  response& set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Handlers answer through a responder, now or later (an invoke waits for its runtime). A
// responder must be called exactly once; calling it after its connection closed is harmless.
using responder = std::function<void(response)>;
using handler = std::function<void(request&&, responder)>;

// Percent-decodes `s` ('+' stays '+': Lambda paths and queries do not use form encoding).
std::string percent_decode(std::string_view s);

// The value of `key` in a query string "a=1&b=2", percent-decoded.
std::optional<std::string> query_param(std::string_view query, std::string_view key);

}  // namespace lambdakit::platform::http
