#include "wire/json.h"

#include <gtest/gtest.h>

namespace lambdakit::wire::json {
namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

TEST(JsonString, EscapesWhatJsonRequires) {
  struct {
    std::string_view in, out;
  } cases[] = {
      {"", R"("")"},
      {"plain", R"("plain")"},
      {"a\"b", R"("a\"b")"},
      {"a\\b", R"("a\\b")"},
      {"line\nbreak\r\ttab", R"("line\nbreak\r\ttab")"},
      {std::string_view("\0\x01\x1f", 3), R"("\u0000\u0001\u001f")"},
      {"\b\f", R"("\b\f")"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"/", R"("/")"},
  };
  for (auto c : cases) EXPECT_EQ(quoted(c.in), c.out);
}

TEST(JsonString, ReplacesInvalidUtf8) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(quoted("\xff"), "\"" + fffd + "\"");
  EXPECT_EQ(quoted("a\xc3"), "\"a" + fffd + "\"");                      // truncated sequence
  EXPECT_EQ(quoted("\xc0\xaf"), "\"" + fffd + fffd + "\"");             // overlong
  EXPECT_EQ(quoted("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
  EXPECT_EQ(quoted("\xf4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
}

}  // namespace
}  // namespace lambdakit::wire::json
