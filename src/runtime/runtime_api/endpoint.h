// Parsing AWS_LAMBDA_RUNTIME_API ("host:port", "[v6]:port"; no scheme).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lambdakit::runtime {

struct endpoint {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

// Fails with std::errc::invalid_argument and a message naming the value and the expected form.
result<endpoint> parse_endpoint(std::string_view text);

}  // namespace lambdakit::runtime
