#include "runtime/runtime_api/endpoint.h"

#include <gtest/gtest.h>

namespace lambdakit::runtime {
namespace {

TEST(Endpoint, Parses) {
  struct {
    std::string_view text, host;
    std::uint16_t port;
  } cases[] = {{"127.0.0.1:9001", "127.0.0.1", 9001},
               {"localhost:1", "localhost", 1},
               {"[::1]:65535", "::1", 65535},
               {"runtime.internal:8080", "runtime.internal", 8080}};
  for (auto c : cases) {
    auto ep = parse_endpoint(c.text);
    ASSERT_TRUE(ep) << c.text;
    EXPECT_EQ(ep->host, c.host);
    EXPECT_EQ(ep->port, c.port);
  }
}

TEST(Endpoint, RejectsWithTheReason) {
  struct {
    std::string_view text, why;
  } cases[] = {{"", "empty"},
               {"http://127.0.0.1:9001", "scheme"},
               {"127.0.0.1", "no port"},
               {":9001", "no host"},
               {"127.0.0.1:0", "1 to 65535"},
               {"127.0.0.1:65536", "1 to 65535"},
               {"127.0.0.1:90a1", "1 to 65535"},
               {"127.0.0.1:", "1 to 65535"},
               {"::1:9001", "brackets"},
               {"[::1]9001", "IPv6"}};
  for (auto c : cases) {
    auto ep = parse_endpoint(c.text);
    ASSERT_FALSE(ep) << c.text;
    EXPECT_EQ(ep.error().code, std::errc::invalid_argument);
    EXPECT_NE(ep.error().detail.find(c.why), std::string::npos) << ep.error().detail;
    EXPECT_NE(ep.error().detail.find("expected host:port"), std::string::npos);
  }
}

}  // namespace
}  // namespace lambdakit::runtime
