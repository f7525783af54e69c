// Strict number parsing for user input: the whole text is a decimal integer in [min, max], or
// there is no value. ("10abc", " 5", "+5", "" and "-1" for an unsigned range are all refused;
// std::stoul would wrap "-1" around and accept "10abc".)
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace lambdakit::base {

inline std::optional<long long> parse_integer(std::string_view text, long long min, long long max) {
  long long v = 0;
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || at != end || v < min || v > max) return std::nullopt;
  return v;
}

}  // namespace lambdakit::base
