#include "wire/http_writer.h"

#include <gtest/gtest.h>

#include "wire/http_parser.h"

namespace lambdakit::wire::http {
namespace {

TEST(HttpWriter, RequestHeadWithContentLength) {
  std::string out;
  header_field f[] = {{"Content-Type", "application/json"}};
  append_request_head(out, "POST", "/x", "127.0.0.1:9001", f, 1, framing::content_length, 12);
  EXPECT_EQ(out,
            "POST /x HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nContent-Type: application/json\r\n"
            "Content-Length: 12\r\n\r\n");
}

TEST(HttpWriter, DropsFieldsThatWouldSplitTheHead) {
  std::string out;
  header_field f[] = {{"X-Evil", "a\r\nInjected: yes"}, {"X-Ok", "fine"}};
  append_request_head(out, "GET", "/", "h", f, 2, framing::none);
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nHost: h\r\nX-Ok: fine\r\n\r\n");
}

TEST(HttpWriter, ChunkedBodyParsesBack) {
  std::string out;
  append_request_head(out, "POST", "/s", "h", nullptr, 0, framing::chunked);
  append_chunk(out, "hello ");
  append_chunk(out, "");  // an empty chunk must not end the body
  append_chunk(out, std::string(300, 'x'));
  header_field t[] = {{"Lambda-Runtime-Function-Error-Type", "E"}};
  append_last_chunk(out, t, 1);

  parser p(parser::kind::request);
  auto used = p.feed(out);
  ASSERT_TRUE(used) << used.error().message();
  EXPECT_EQ(*used, out.size());
  ASSERT_TRUE(p.done());
  EXPECT_EQ(p.get().body(), "hello " + std::string(300, 'x'));
  EXPECT_EQ(p.get().trailers().get("lambda-runtime-function-error-type"), "E");
}

}  // namespace
}  // namespace lambdakit::wire::http
