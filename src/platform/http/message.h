// The platform's HTTP request and response, as plain values: handlers see these, never Beast.
#pragma once

#include <functional>
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

  // The first header called `name` (any case).
  std::optional<std::string_view> header(std::string_view name) const;
  std::string_view path() const;   // target before '?'
  std::string_view query() const;  // target after '?', or empty
};

struct response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

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
