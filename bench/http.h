// The benchmarks' HTTP calls: platform::http::client, with a failed exchange thrown (a benchmark
// that cannot reach its service has nothing to measure; main reports the exception).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "platform/http/client.h"

namespace lambdakit::bench {

inline platform::http::client_result request_or_throw(
    platform::http::client& c, const std::string& method, const std::string& target,
    const std::string& body = {},
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  auto r = c.request(method, target, body, headers);
  if (!r) throw std::runtime_error(method + " " + target + ": " + r.error().message());
  return std::move(r).value();
}

}  // namespace lambdakit::bench
