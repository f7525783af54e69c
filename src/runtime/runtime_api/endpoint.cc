#include "runtime/runtime_api/endpoint.h"

#include <charconv>

namespace lambdakit::runtime {

result<endpoint> parse_endpoint(std::string_view text) {
  auto bad = [&](const char* why) {
    return make_failure(std::make_error_code(std::errc::invalid_argument),
                        "AWS_LAMBDA_RUNTIME_API=\"" + std::string(text.substr(0, 100)) +
                            "\": " + why + " (expected host:port, e.g. 127.0.0.1:9001)");
  };
  if (text.empty()) return bad("empty");
  if (text.find("://") != std::string_view::npos) return bad("has a scheme");
  endpoint ep;
  std::string_view port;
  if (text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("unterminated IPv6 address or no port");
    }
    ep.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    if (text.find(':') != colon) return bad("an IPv6 address must be in brackets");
    ep.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (ep.host.empty()) return bad("no host");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return bad("the port is not a number from 1 to 65535");
  }
  ep.port = static_cast<std::uint16_t>(value);
  return ep;
}

}  // namespace lambdakit::runtime
