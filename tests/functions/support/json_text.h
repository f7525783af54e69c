// The little JSON the test functions write by hand: a string quoted (controls dropped, quotes
// and backslashes escaped) and an environment variable as a JSON string or null.
#pragma once

#include <cstdlib>
#include <string>

namespace test_functions {

inline std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

inline std::string env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? quoted(v) : "null";
}

}  // namespace test_functions
