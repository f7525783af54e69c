// The strict JSON scanner (wire/json_scan.h) that reads OpenWhisk's activation lines.
#include "wire/json_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace lambdakit::wire::json {
namespace {

TEST(JsonScan, ValidJsonPasses) {
  for (const char* ok : {"{}", "[]", " {\"a\": [1, -2.5e+3, true, false, null, \"x\"]} ", "0",
                         "\"\\u00e9\\n\"", "[[[]]]", "-0.0E-1"}) {
    EXPECT_TRUE(validate(ok)) << ok;
  }
}

TEST(JsonScan, InvalidJsonFailsWithTheOffset) {
  for (const char* bad : {"", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", "tru", "\"\\x\"",
                          "\"a", "{} {}", "nul", "{'a':1}", "\"\x01\""}) {
    auto v = validate(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_NE(v.error().detail.find("at byte"), std::string::npos);
  }
}

TEST(JsonScan, DeepNestingIsRefusedNotACrash) {
  std::string deep(100000, '[');
  auto v = validate(deep);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().detail.find("nesting deeper than 512"), std::string::npos);
}

TEST(JsonScan, ObjectMembersKeepRawValuesInOrder) {
  auto m = object_members(R"({"value": {"name": "x", "n": [1,2]}, "deadline": "1700000000000",
                              "k\u00e9y": 12, "value": null})");
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->size(), 4u);
  EXPECT_EQ((*m)[0].key, "value");
  EXPECT_EQ((*m)[0].raw, R"({"name": "x", "n": [1,2]})");
  EXPECT_EQ((*m)[1].raw, "\"1700000000000\"");
  EXPECT_EQ((*m)[2].key, "k\xc3\xa9y");
  EXPECT_EQ((*m)[2].raw, "12");
  EXPECT_EQ((*m)[3].raw, "null");
  EXPECT_FALSE(object_members("[1]"));
  EXPECT_FALSE(object_members("{\"a\":1} x"));
}

TEST(JsonScan, StringValuesResolveEscapesAndSurrogatePairs) {
  EXPECT_EQ(*string_value(R"("a\"b\\c\/d\b\f\n\r\t")"), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(*string_value(R"("\u00e9\u4e2d")"), "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(*string_value(R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(*string_value(R"("\ud83d")"), "\xef\xbf\xbd");  // a lone surrogate
  EXPECT_FALSE(string_value("12"));
  EXPECT_FALSE(string_value("\"abc"));
}

}  // namespace
}  // namespace lambdakit::wire::json
