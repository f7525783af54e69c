#include "wire/http_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lambdakit::wire::http {
namespace {

// Feeds `bytes` in pieces of `step` bytes (0: all at once), then EOF if `eof`. Returns the
// first failure, or success once the message is done.
result<void> parse(parser& p, std::string_view bytes, std::size_t step = 0, bool eof = false) {
  std::size_t at = 0;
  while (at < bytes.size() && !p.done()) {
    std::size_t n = step == 0 ? bytes.size() - at : std::min(step, bytes.size() - at);
    auto used = p.feed(bytes.substr(at, n));
    if (!used) return used.error();
    at += *used;
  }
  if (!p.done() && eof) return p.feed_eof();
  return {};
}

struct valid_case {
  const char* name;
  parser::kind kind;
  std::string bytes;
  bool needs_eof;  // a close-delimited body
  int status;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // expected lookups
  std::vector<std::pair<std::string, std::string>> trailers;
  bool keep_alive;
};

std::vector<valid_case> valid_cases() {
  using k = parser::kind;
  return {
      {"content-length",
       k::response,
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
       false,
       200,
       "hello",
       {{"content-length", "5"}},
       {},
       true},
      {"next-headers",
       k::response,
       "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n"
       "Lambda-Runtime-Deadline-Ms: 1542409706888\r\nlambda-runtime-trace-id:  "
       "Root=1-5bef4de7;Sampled=1 \r\n"
       "Content-Length: 2\r\n\r\n{}",
       false,
       200,
       "{}",
       {{"Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"},
        {"LAMBDA-RUNTIME-DEADLINE-MS", "1542409706888"},
        {"Lambda-Runtime-Trace-Id", "Root=1-5bef4de7;Sampled=1"}},
       {},
       true},
      {"binary body",
       k::response,
       std::string("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\0\r\n\xff", 42),
       false,
       200,
       std::string("\0\r\n\xff", 4),
       {},
       {},
       true},
      {"bare LF in the body",
       k::response,
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\nb",
       false,
       200,
       "a\nb",
       {},
       {},
       true},
      {"empty body",
       k::response,
       "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
       false,
       202,
       "",
       {},
       {},
       true},
      {"no reason phrase",
       k::response,
       "HTTP/1.1 202 \r\nContent-Length: 0\r\n\r\n",
       false,
       202,
       "",
       {},
       {},
       true},
      {"no reason, no space",
       k::response,
       "HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n",
       false,
       202,
       "",
       {},
       {},
       true},
      {"204 has no body",
       k::response,
       "HTTP/1.1 204 No Content\r\n\r\n",
       false,
       204,
       "",
       {},
       {},
       true},
      {"304 ignores length",
       k::response,
       "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
       false,
       304,
       "",
       {},
       {},
       true},
      {"100 continue", k::response, "HTTP/1.1 100 Continue\r\n\r\n", false, 100, "", {}, {}, true},
      {"chunked with trailers",
       k::response,
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n "
       "\r\nA\r\n0123456789\r\n"
       "0\r\nX-Error: boom\r\nX-Other: 1\r\n\r\n",
       false,
       200,
       "hello 0123456789",
       {},
       {{"x-error", "boom"}, {"X-OTHER", "1"}},
       true},
      {"chunked, upper-case hex",
       k::response,
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
       false,
       200,
       "0123456789",
       {},
       {},
       true},
      {"close-delimited",
       k::response,
       "HTTP/1.1 200 OK\r\n\r\nuntil the end",
       true,
       200,
       "until the end",
       {},
       {},
       false},
      {"http/1.0 closes",
       k::response,
       "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
       false,
       200,
       "x",
       {},
       {},
       false},
      {"connection close",
       k::response,
       "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx",
       false,
       200,
       "x",
       {},
       {},
       false},
      {"repeated equal lengths",
       k::response,
       "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc",
       false,
       200,
       "abc",
       {},
       {},
       true},
      {"leading empty lines",
       k::response,
       "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       false,
       200,
       "",
       {},
       {},
       true},
      {"obs-text in value",
       k::response,
       "HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
       false,
       200,
       "",
       {{"x-name", "caf\xc3\xa9"}},
       {},
       true},
      {"empty value",
       k::response,
       "HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n",
       false,
       200,
       "",
       {{"x-empty", ""}},
       {},
       true},
      {"request without body",
       k::request,
       "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: h\r\n\r\n",
       false,
       0,
       "",
       {{"host", "h"}},
       {},
       true},
      {"request with body",
       k::request,
       "POST /r HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
       false,
       0,
       "abc",
       {},
       {},
       true},
  };
}

TEST(HttpParser, ValidMessagesWholeAndInEveryPieceSize) {
  for (const auto& c : valid_cases()) {
    for (std::size_t step :
         {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
      SCOPED_TRACE(std::string(c.name) + ", piece size " + std::to_string(step));
      parser p(c.kind);
      auto r = parse(p, c.bytes, step, c.needs_eof);
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_TRUE(p.done());
      const message& m = p.get();
      if (c.kind == parser::kind::response) {
        EXPECT_EQ(m.status(), c.status);
      }
      EXPECT_EQ(m.body(), c.body);
      for (const auto& [name, value] : c.headers) EXPECT_EQ(m.header(name), value) << name;
      for (const auto& [name, value] : c.trailers) EXPECT_EQ(m.trailers().get(name), value) << name;
      EXPECT_EQ(m.keep_alive(), c.keep_alive);
    }
  }
}

TEST(HttpParser, RequestLine) {
  parser p(parser::kind::request);
  ASSERT_TRUE(parse(
      p, "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.0\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(p.get().method(), "POST");
  EXPECT_EQ(p.get().target(), "/2018-06-01/runtime/invocation/abc/response");
  EXPECT_EQ(p.get().version_minor(), 0);
}

TEST(HttpParser, StopsAtTheEndOfOneMessage) {
  std::string two =
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 202 OK\r\nContent-Length: 1\r\n\r\nb";
  parser p(parser::kind::response);
  auto used = p.feed(two);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, two.find("HTTP/1.1 202"));
  EXPECT_EQ(p.get().body(), "a");
  p.reset();
  auto rest = p.feed(std::string_view(two).substr(*used));
  ASSERT_TRUE(rest);
  EXPECT_TRUE(p.done());
  EXPECT_EQ(p.get().status(), 202);
  EXPECT_EQ(p.get().body(), "b");
}

TEST(HttpParser, ExpectNoBodyForHead) {
  parser p(parser::kind::response);
  p.expect_no_body();
  ASSERT_TRUE(parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"));
  EXPECT_TRUE(p.done());
}

TEST(HttpParser, ValuesAreCopiedOutOfTheInput) {
  std::string bytes = "HTTP/1.1 200 OK\r\nX-A: one\r\nContent-Length: 0\r\n\r\n";
  parser p(parser::kind::response);
  ASSERT_TRUE(parse(p, bytes));
  std::fill(bytes.begin(), bytes.end(), '#');
  message m = p.release();
  EXPECT_EQ(m.header("x-a"), "one");
}

struct bad_case {
  const char* name;
  parser::kind kind;
  std::string bytes;
  error code;
  const char* detail;  // a substring the message must hold
  bool eof = false;
};

std::vector<bad_case> bad_cases() {
  using k = parser::kind;
  const std::string ok = "HTTP/1.1 200 OK\r\n";
  return {
      {"garbage", k::response,
       std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
       error::bad_start_line, "\\x16"},
      {"not http", k::response, "SSH-2.0-OpenSSH_9.2\r\n\r\n", error::bad_start_line, "SSH-2.0"},
      {"http/2", k::response, "HTTP/2.0 200 OK\r\n\r\n", error::bad_version,
       "only HTTP/1.0 and HTTP/1.1"},
      {"letters in status", k::response, "HTTP/1.1 2x0 OK\r\n\r\n", error::bad_status, "2x0"},
      {"status 0xx", k::response, "HTTP/1.1 099 OK\r\n\r\n", error::bad_status, "099"},
      {"four-digit status", k::response, "HTTP/1.1 2000 OK\r\n\r\n", error::bad_status, "2000"},
      {"short status line", k::response, "HTTP/1.1 20\r\n\r\n", error::bad_start_line,
       "HTTP/1.1 20"},
      {"bare LF", k::response, "HTTP/1.1 200 OK\nContent-Length: 0\n\n", error::bad_line_ending,
       "bare LF"},
      {"bare CR in field", k::response, ok + "X-A: a\rb\r\n\r\n", error::bad_line_ending,
       "bare CR"},
      {"no colon", k::response, ok + "Content-Length 5\r\n\r\n", error::bad_header, "no colon"},
      {"space before colon", k::response, ok + "Content-Length : 5\r\n\r\n", error::bad_header,
       "bad field name"},
      {"empty name", k::response, ok + ": 5\r\n\r\n", error::bad_header, "bad field name"},
      {"NUL in value", k::response, ok + std::string("X-A: a\0b\r\n\r\n", 12), error::bad_header,
       "X-A"},
      {"line folding", k::response, ok + "X-A: a\r\n  b\r\n\r\n", error::obsolete_line_folding,
       "white space"},
      {"letters in length", k::response, ok + "Content-Length: 12abc\r\n\r\n",
       error::bad_content_length, "12abc"},
      {"negative length", k::response, ok + "Content-Length: -1\r\n\r\n", error::bad_content_length,
       "-1"},
      {"empty length", k::response, ok + "Content-Length: \r\n\r\n", error::bad_content_length,
       "decimal"},
      {"huge length", k::response, ok + "Content-Length: 99999999999999999999999\r\n\r\n",
       error::bad_content_length, "99999999999999999999999"},
      {"10 GB length", k::response, ok + "Content-Length: 10000000000\r\n\r\n",
       error::body_too_large, "Content-Length 10000000000 exceeds the limit of 16777216 bytes"},
      {"disagreeing lengths", k::response, ok + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n",
       error::bad_content_length, "3 and 4"},
      {"length and chunked", k::response,
       ok + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", error::conflicting_framing,
       "both"},
      {"gzip coding", k::response, ok + "Transfer-Encoding: gzip, chunked\r\n\r\n",
       error::unsupported_transfer_coding, "gzip"},
      {"two TE fields", k::response,
       ok + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       error::unsupported_transfer_coding, "only chunked"},
      {"bad chunk size", k::response, ok + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
       error::bad_chunk_size, "zz"},
      {"empty chunk size", k::response, ok + "Transfer-Encoding: chunked\r\n\r\n\r\n",
       error::bad_chunk_size, "hexadecimal"},
      {"chunk size overflow", k::response,
       ok + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", error::bad_chunk_size,
       "overflows"},
      {"huge chunk", k::response, ok + "Transfer-Encoding: chunked\r\n\r\nfffffffff\r\n",
       error::body_too_large, "limit"},
      {"chunk without CRLF", k::response, ok + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX",
       error::bad_chunk_terminator, "CRLF"},
      {"chunk line bare LF", k::response, ok + "Transfer-Encoding: chunked\r\n\r\n3\nabc",
       error::bad_line_ending, "bare LF"},
      {"endless chunk line", k::response,
       ok + "Transfer-Encoding: chunked\r\n\r\n1;" + std::string(2000, 'x'), error::bad_chunk_size,
       "longer than 1024"},
      {"bad trailer", k::response,
       ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nno colon here\r\n\r\n", error::bad_header,
       "no colon"},
      {"endless head", k::response, ok + "X-A: " + std::string(70000, 'a'), error::header_too_large,
       "65536"},
      {"too many fields", k::response,
       [&] {
         std::string s = ok;
         for (int i = 0; i < 200; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
         return s + "\r\n";
       }(),
       error::too_many_headers, "128"},
      {"cut in head", k::response, "HTTP/1.1 200 OK\r\nContent-Le", error::partial_message,
       "header section", true},
      {"nothing at all", k::response, "", error::partial_message, "before sending a message", true},
      {"short body", k::response, ok + "Content-Length: 10\r\n\r\nabc", error::partial_message,
       "7 of the body bytes", true},
      {"cut in chunks", k::response, ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nab",
       error::partial_message, "chunked", true},
      {"bad method", k::request, "G(T / HTTP/1.1\r\n\r\n", error::bad_method, "G(T"},
      {"control in target", k::request, "GET /a\x01 HTTP/1.1\r\n\r\n", error::bad_target, "\\x01"},
      {"extra space", k::request, "GET / x HTTP/1.1\r\n\r\n", error::bad_start_line, "GET / x"},
  };
}

TEST(HttpParser, MalformedMessagesNameTheProblem) {
  for (const auto& c : bad_cases()) {
    for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
      SCOPED_TRACE(std::string(c.name) + ", piece size " + std::to_string(step));
      parser p(c.kind);
      auto r = parse(p, c.bytes, step, c.eof);
      ASSERT_FALSE(r) << "accepted, done=" << p.done();
      EXPECT_EQ(r.error().code, make_error_code(c.code)) << r.error().message();
      EXPECT_NE(r.error().message().find(c.detail), std::string::npos) << r.error().message();
      // A failed parser stays failed.
      auto again = p.feed("HTTP/1.1 200 OK\r\n\r\n");
      ASSERT_FALSE(again);
      EXPECT_EQ(again.error().code, make_error_code(c.code));
    }
  }
}

TEST(HttpParser, LimitsAreConfigurable) {
  parser p(parser::kind::response, limits{.max_head = 64 * 1024, .max_fields = 128, .max_body = 4});
  auto r = parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(error::body_too_large));

  parser q(parser::kind::response, limits{.max_head = 64 * 1024, .max_fields = 128, .max_body = 4});
  auto s = parse(q, "HTTP/1.1 200 OK\r\n\r\nhello", 0, true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(error::body_too_large));
}

TEST(HttpParser, ErrorCategoryHasAMessageForEveryCode) {
  for (int e = 1; e <= static_cast<int>(error::partial_message); ++e) {
    std::error_code ec = make_error_code(static_cast<error>(e));
    EXPECT_STREQ(ec.category().name(), "lambdakit.http");
    EXPECT_NE(ec.message(), "unknown HTTP codec error") << e;
  }
}

}  // namespace
}  // namespace lambdakit::wire::http
