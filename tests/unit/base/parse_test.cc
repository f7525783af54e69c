#include "base/parse.h"

#include <gtest/gtest.h>

#include <climits>
#include <optional>
#include <string>

namespace lambdakit::base {
namespace {

TEST(ParseInteger, TakesOnlyAWholeDecimalIntegerInRange) {
  struct {
    std::string text;
    long long min, max;
    std::optional<long long> value;
  } cases[] = {
      {"10", 0, 100, 10},
      {"0", 0, 100, 0},
      {"100", 0, 100, 100},  // bounds are inclusive
      {"101", 0, 100, std::nullopt},
      {"-1", 0, 100, std::nullopt},
      {"-1", -5, 5, -1},
      {"-5", -5, 5, -5},
      {"-6", -5, 5, std::nullopt},
      {"-0", 0, 100, 0},
      {"007", 0, 100, 7},
      {"", 0, 100, std::nullopt},
      {"10abc", 0, 100, std::nullopt},
      {"abc", 0, 100, std::nullopt},
      {" 5", 0, 100, std::nullopt},
      {"5 ", 0, 100, std::nullopt},
      {"+5", 0, 100, std::nullopt},
      {"0x10", 0, 100, std::nullopt},
      {"1e2", 0, 1000, std::nullopt},
      {"1.0", 0, 100, std::nullopt},
      {"-", -5, 5, std::nullopt},
      {"9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX},
      {"-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN},
      {"9223372036854775808", LLONG_MIN, LLONG_MAX, std::nullopt},  // overflow, not wrapped
      {"18446744073709551615", 0, LLONG_MAX, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_integer(c.text, c.min, c.max), c.value)
        << '"' << c.text << "\" in [" << c.min << ", " << c.max << "]";
  }
}

// The text is a view: only its own bytes count, not what follows it in memory.
TEST(ParseInteger, ReadsOnlyTheView) {
  std::string s = "12345";
  EXPECT_EQ(parse_integer(std::string_view(s).substr(0, 2), 0, 100), 12);
  EXPECT_EQ(parse_integer(std::string_view(s).substr(0, 0), 0, 100), std::nullopt);
}

}  // namespace
}  // namespace lambdakit::base
