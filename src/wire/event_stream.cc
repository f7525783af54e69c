#include "wire/event_stream.h"

#include <array>
#include <set>
#include <utility>

namespace lambdakit::wire::event_stream {
namespace {

constexpr std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
    t[i] = c;
  }
  return t;
}
constexpr auto table = crc_table();

failure bad(std::string detail) {
  return make_failure(std::make_error_code(std::errc::bad_message), std::move(detail));
}

void put_u32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24U));
  out.push_back(static_cast<char>(v >> 16U));
  out.push_back(static_cast<char>(v >> 8U));
  out.push_back(static_cast<char>(v));
}

std::uint32_t get_u32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
  };
  return (b(0) << 24U) | (b(1) << 16U) | (b(2) << 8U) | b(3);
}

std::uint16_t get_u16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8U) |
                                    static_cast<unsigned char>(s[at + 1]));
}

// The size of a fixed-size value, or nullopt for the length-prefixed ones (and unknown types).
std::optional<std::size_t> fixed_size(value_type t) {
  switch (t) {
    case value_type::bool_true:
    case value_type::bool_false:
      return 0;
    case value_type::byte:
      return 1;
    case value_type::int16:
      return 2;
    case value_type::int32:
      return 4;
    case value_type::int64:
    case value_type::timestamp:
      return 8;
    case value_type::uuid:
      return 16;
    case value_type::byte_array:
    case value_type::string:
      break;
  }
  return std::nullopt;
}

bool prefixed(value_type t) {
  return t == value_type::byte_array || t == value_type::string;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  for (char ch : bytes) crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (crc >> 8U);
  return ~crc;
}

std::optional<std::string_view> message::string_header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name && h.type == value_type::string) return h.value;
  }
  return std::nullopt;
}

result<void> append(std::string& out, const message& m) {
  std::string section;
  std::set<std::string_view> names;
  for (const auto& h : m.headers) {
    if (h.name.empty() || h.name.size() > 255) {
      return bad("header name of " + std::to_string(h.name.size()) +
                 " bytes: names are 1 to 255 bytes");
    }
    if (!names.insert(h.name).second) return bad("header \"" + h.name + "\" given twice");
    if (prefixed(h.type)) {
      if (h.value.size() > 0xFFFF) {
        return bad("header \"" + h.name + "\" holds " + std::to_string(h.value.size()) +
                   " bytes: string and byte-array values are at most 65535");
      }
    } else if (auto size = fixed_size(h.type); !size || *size != h.value.size()) {
      return bad("header \"" + h.name + "\": a value of " + std::to_string(h.value.size()) +
                 " bytes does not fit its type " + std::to_string(static_cast<unsigned>(h.type)));
    }
    section.push_back(static_cast<char>(h.name.size()));
    section += h.name;
    section.push_back(static_cast<char>(h.type));
    if (prefixed(h.type)) {
      section.push_back(static_cast<char>(h.value.size() >> 8U));
      section.push_back(static_cast<char>(h.value.size()));
    }
    section += h.value;
  }
  if (section.size() > max_headers) {
    return bad("headers of " + std::to_string(section.size()) + " bytes: the limit is " +
               std::to_string(max_headers));
  }
  if (m.payload.size() > max_payload) {
    return bad("a payload of " + std::to_string(m.payload.size()) + " bytes: the limit is " +
               std::to_string(max_payload) + "; send it in parts");
  }
  std::size_t start = out.size();
  auto total = static_cast<std::uint32_t>(overhead + section.size() + m.payload.size());
  out.reserve(start + total);
  put_u32(out, total);
  put_u32(out, static_cast<std::uint32_t>(section.size()));
  put_u32(out, crc32(std::string_view(out).substr(start, 8)));
  out += section;
  out += m.payload;
  put_u32(out, crc32(std::string_view(out).substr(start)));
  return {};
}

result<std::vector<header>> parse_headers(std::string_view s) {
  std::vector<header> out;
  std::set<std::string> names;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t name_len = static_cast<unsigned char>(s[i]);
    if (name_len == 0) return bad("a header with an empty name at byte " + std::to_string(i));
    if (i + 1 + name_len + 1 > s.size()) {
      return bad("the header at byte " + std::to_string(i) + " runs past the headers section");
    }
    header h;
    h.name = std::string(s.substr(i + 1, name_len));
    i += 1 + name_len;
    auto raw_type = static_cast<unsigned char>(s[i++]);
    if (raw_type > static_cast<unsigned char>(value_type::uuid)) {
      return bad("header \"" + h.name + "\" has value type " + std::to_string(raw_type) +
                 ": types are 0 to 9");
    }
    h.type = static_cast<value_type>(raw_type);
    std::size_t len = 0;
    if (prefixed(h.type)) {
      if (i + 2 > s.size()) return bad("header \"" + h.name + "\" runs past the headers section");
      len = get_u16(s, i);
      i += 2;
    } else {
      len = *fixed_size(h.type);
    }
    if (i + len > s.size()) return bad("header \"" + h.name + "\" runs past the headers section");
    h.value = std::string(s.substr(i, len));
    i += len;
    if (!names.insert(h.name).second) return bad("header \"" + h.name + "\" given twice");
    out.push_back(std::move(h));
  }
  return out;
}

void decoder::feed(std::string_view bytes) {
  if (failed_) return;
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.append(bytes);
}

result<std::optional<message>> decoder::fail(failure f) {
  failed_ = f;
  return f;
}

result<std::optional<message>> decoder::next() {
  if (failed_) return *failed_;
  std::string_view rest = std::string_view(buf_).substr(pos_);
  if (rest.size() < prelude_size) return std::optional<message>{};
  std::uint32_t total = get_u32(rest, 0);
  std::uint32_t headers_len = get_u32(rest, 4);
  std::uint32_t prelude_crc = get_u32(rest, 8);
  if (crc32(rest.substr(0, 8)) != prelude_crc) {
    return fail(
        bad("prelude CRC mismatch: the bytes are not an event-stream message, or are "
            "damaged"));
  }
  if (headers_len > max_headers) {
    return fail(bad("headers of " + std::to_string(headers_len) + " bytes: the limit is " +
                    std::to_string(max_headers)));
  }
  if (total < overhead + std::size_t{headers_len}) {
    return fail(bad("a message of " + std::to_string(total) + " bytes cannot hold " +
                    std::to_string(headers_len) + " bytes of headers"));
  }
  std::size_t payload_len = total - overhead - headers_len;
  if (payload_len > max_payload) {
    return fail(bad("a payload of " + std::to_string(payload_len) + " bytes: the limit is " +
                    std::to_string(max_payload)));
  }
  if (rest.size() < total) return std::optional<message>{};
  if (crc32(rest.substr(0, total - 4)) != get_u32(rest, total - 4)) {
    return fail(bad("message CRC mismatch: the message is damaged"));
  }
  auto headers = parse_headers(rest.substr(prelude_size, headers_len));
  if (!headers) return fail(std::move(headers).error());
  message m;
  m.headers = std::move(*headers);
  m.payload = std::string(rest.substr(prelude_size + headers_len, payload_len));
  pos_ += total;
  return std::optional<message>(std::move(m));
}

}  // namespace lambdakit::wire::event_stream
