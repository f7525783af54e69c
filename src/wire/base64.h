// Base64 (RFC 4648, standard alphabet, padded): error trailers of streamed responses, and
// Client-Context on the Invoke API side.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lambdakit::wire::base64 {

std::string encode(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not padded standard base64.
std::optional<std::string> decode(std::string_view text);

}  // namespace lambdakit::wire::base64
