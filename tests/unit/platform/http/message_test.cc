#include "platform/http/message.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lambdakit::platform::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndKeepsTheRest) {
  struct {
    std::string in, out;
  } cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"a%20b", "a b"},
      {"arn%3Aaws%3Alambda", "arn:aws:lambda"},
      {"%3a%3A", "::"},  // either case
      {"%2B", "+"},
      {"a+b", "a+b"},  // not form encoding
      {"%41%42%43", "ABC"},
      {"%e2%82%ac", "\xe2\x82\xac"},  // bytes, not characters
      {"%00", std::string(1, '\0')},
      {"%", "%"},
      {"%4", "%4"},
      {"a%", "a%"},
      {"%zz", "%zz"},
      {"%4g", "%4g"},
      {"%%41", "%A"},
      {"100%", "100%"},
      {"%2541", "%41"},  // decoded once
  };
  for (const auto& c : cases) EXPECT_EQ(percent_decode(c.in), c.out) << c.in;
}

TEST(QueryParam, FindsTheFirstDecodedValue) {
  struct {
    std::string query, key;
    std::optional<std::string> value;
  } cases[] = {
      {"a=1&b=2", "a", "1"},
      {"a=1&b=2", "b", "2"},
      {"a=1&b=2", "c", std::nullopt},
      {"a=1&a=2", "a", "1"},
      {"flag", "flag", ""},
      {"flag&b=2", "flag", ""},
      {"a=", "a", ""},
      {"a=1=2", "a", "1=2"},
      {"Qualifier=%24LATEST", "Qualifier", "$LATEST"},
      {"my%20key=v", "my key", "v"},
      {"a=x%26y&b=2", "a", "x&y"},
      {"&&a=1&", "a", "1"},
      {"", "a", std::nullopt},
      {"ab=1", "a", std::nullopt},
      {"A=1", "a", std::nullopt},  // keys are case-sensitive
  };
  for (const auto& c : cases) {
    EXPECT_EQ(query_param(c.query, c.key), c.value) << c.query << " " << c.key;
  }
}

TEST(Request, SplitsTheTargetIntoPathAndQuery) {
  struct {
    std::string target, path, query;
  } cases[] = {
      {"/2015-03-31/functions", "/2015-03-31/functions", ""},
      {"/2015-03-31/functions?MaxItems=10", "/2015-03-31/functions", "MaxItems=10"},
      {"/a?", "/a", ""},
      {"/a?b?c", "/a", "b?c"},
      {"?x=1", "", "x=1"},
      {"", "", ""},
      {"/f%3Aprod/invocations", "/f%3Aprod/invocations", ""},  // still encoded
  };
  for (const auto& c : cases) {
    request r;
    r.target = c.target;
    EXPECT_EQ(r.path(), c.path) << c.target;
    EXPECT_EQ(r.query(), c.query) << c.target;
  }
}

TEST(Request, HeaderLookupIgnoresCaseAndTakesTheFirst) {
  request r;
  r.headers = {{"Content-Type", "application/json"},
               {"X-Amz-Invocation-Type", "Event"},
               {"x-amz-invocation-type", "DryRun"},
               {"X-Empty", ""}};
  struct {
    const char* name;
    std::optional<std::string> value;
  } cases[] = {
      {"Content-Type", "application/json"}, {"content-type", "application/json"},
      {"CONTENT-TYPE", "application/json"}, {"X-Amz-Invocation-Type", "Event"},
      {"x-amz-invocation-type", "Event"},   {"X-Empty", ""},
      {"X-Missing", std::nullopt},          {"Content", std::nullopt},
      {"Content-Type-X", std::nullopt},
  };
  for (const auto& c : cases) {
    auto v = r.header(c.name);
    ASSERT_EQ(v.has_value(), c.value.has_value()) << c.name;
    if (v) {
      EXPECT_EQ(*v, *c.value) << c.name;
    }
  }
}

TEST(Response, SetAppendsHeadersInOrder) {
  response r;
  EXPECT_EQ(r.status, 200);
  r.set("A", "1").set("B", "2").set("A", "3");
  std::vector<std::pair<std::string, std::string>> want = {{"A", "1"}, {"B", "2"}, {"A", "3"}};
  EXPECT_EQ(r.headers, want);
}

}  // namespace
}  // namespace lambdakit::platform::http
