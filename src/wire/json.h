// The little JSON the runtime writes itself: escaped strings for error bodies.
// (Handlers bring their own JSON library; the runtime only passes payload bytes through.)
#pragma once

#include <string>
#include <string_view>

namespace lambdakit::wire::json {

// Appends `s` as a JSON string literal, quotes included. Control characters are escaped;
// bytes that are not valid UTF-8 are replaced by U+FFFD so the output is always valid JSON.
void append_string(std::string& out, std::string_view s);

}  // namespace lambdakit::wire::json
