// A strict JSON scanner for the little JSON the runtime must read itself (OpenWhisk's
// activation lines): it checks a text is one JSON value (RFC 8259) and splits an object into
// its members, values kept as their raw text. Handlers bring their own JSON library. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lambdakit::wire::json {

struct member {
  std::string key;       // unescaped
  std::string_view raw;  // the value's text, as it stands in the input
};

// Nesting deeper than this is refused (a stack guard, far beyond real events).
inline constexpr int max_depth = 512;

// Fails with std::errc::bad_message, naming the byte offset, unless `text` is exactly one JSON
// value with optional whitespace around it.
result<void> validate(std::string_view text);

// The members of the object `text`, in order (duplicates kept), or why it is not an object.
result<std::vector<member>> object_members(std::string_view text);

// The value of a JSON string literal (`raw` with its quotes), escapes resolved to UTF-8.
result<std::string> string_value(std::string_view raw);

}  // namespace lambdakit::wire::json
