#include "wire/base64.h"

#include <array>
#include <cstdint>

namespace lambdakit::wire::base64 {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Each byte's 6-bit value, `invalid` for a byte outside the alphabet ('=' included: padding is
// handled apart, at the end only).
constexpr std::uint32_t invalid = 0x80;
constexpr std::array<std::uint8_t, 256> values = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(invalid);
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
  return t;
}();

}  // namespace

// Table-driven into a buffer sized once: a 50 MB deployment zip goes through here (the Lambda
// API's ZipFile), so this is a hot loop, not a convenience.
std::string encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4, '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  char* o = out.data();
  std::size_t whole = bytes.size() / 3;
  for (std::size_t i = 0; i < whole; ++i, in += 3) {
    std::uint32_t v = std::uint32_t{in[0]} << 16 | std::uint32_t{in[1]} << 8 | in[2];
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    *o++ = alphabet[v & 63];
  }
  std::size_t rest = bytes.size() - whole * 3;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{in[0]} << 16;
    if (rest == 2) v |= std::uint32_t{in[1]} << 8;
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::string();
  std::size_t pad = text.back() != '=' ? 0 : text[text.size() - 2] == '=' ? 2 : 1;
  std::string out(text.size() / 4 * 3 - pad, '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  char* o = out.data();
  std::size_t whole = text.size() / 4 - (pad != 0 ? 1 : 0);
  for (std::size_t i = 0; i < whole; ++i, in += 4) {
    std::uint32_t a = values[in[0]], b = values[in[1]], c = values[in[2]], d = values[in[3]];
    if (((a | b | c | d) & invalid) != 0) return std::nullopt;
    std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
    *o++ = static_cast<char>(v >> 16);
    *o++ = static_cast<char>((v >> 8) & 0xFF);
    *o++ = static_cast<char>(v & 0xFF);
  }
  if (pad != 0) {  // the last quantum: "xy==" or "xyz="
    std::uint32_t a = values[in[0]], b = values[in[1]], c = pad == 2 ? 0 : values[in[2]];
    if (((a | b | c) & invalid) != 0) return std::nullopt;
    std::uint32_t v = a << 18 | b << 12 | c << 6;
    *o++ = static_cast<char>(v >> 16);
    if (pad == 1) *o++ = static_cast<char>((v >> 8) & 0xFF);
  }
  return out;
}

}  // namespace lambdakit::wire::base64
