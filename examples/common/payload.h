// The examples read one integer field from their JSON payloads. A real function would use a JSON
// library; this reader stays dependency-free and only understands {"name": <integer>, ...}.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace examples {

// The integer value of the top-level field `name` in `json`, or nullopt when absent or not an
// integer.
inline std::optional<long long> int_field(std::string_view json, std::string_view name) {
  std::string key;
  key.reserve(name.size() + 2);
  key.push_back('"');
  key.append(name);
  key.push_back('"');
  std::size_t at = json.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  at = json.find_first_not_of(" \t\r\n", at + key.size());
  if (at == std::string_view::npos || json[at] != ':') return std::nullopt;
  at = json.find_first_not_of(" \t\r\n", at + 1);
  if (at == std::string_view::npos) return std::nullopt;
  long long value = 0;
  auto [end, ec] = std::from_chars(json.data() + at, json.data() + json.size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace examples
