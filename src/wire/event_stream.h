// AWS event-stream messages (application/vnd.amazon.eventstream): the framing of
// InvokeWithResponseStream's answer (PayloadChunk events, then InvokeComplete).
//
//   message = total length (4) · headers length (4) · prelude CRC (4) · headers · payload ·
//             message CRC (4)                                     (all integers big-endian)
//   header  = name length (1) · name · value type (1) · value
//             (string and byte-array values are a 2-byte length and the bytes)
//
// The prelude CRC covers the first 8 bytes, the message CRC everything before it; both are
// CRC-32 (IEEE 802.3, the one zlib and gzip use). Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lambdakit::wire::event_stream {

inline constexpr std::size_t prelude_size = 12;
inline constexpr std::size_t overhead = 16;  // prelude and message CRC
// What the SDKs' decoders accept (botocore's _MAX_HEADERS_LENGTH and _MAX_PAYLOAD_LENGTH); the
// encoder keeps to them and the decoder refuses more.
inline constexpr std::size_t max_headers = std::size_t{128} * 1024;
inline constexpr std::size_t max_payload = std::size_t{24} * 1024 * 1024;

// CRC-32 of `bytes`, continuing from `crc` (the CRC of the bytes before them; 0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

enum class value_type : std::uint8_t {
  bool_true = 0,
  bool_false = 1,
  byte = 2,
  int16 = 3,
  int32 = 4,
  int64 = 5,
  byte_array = 6,
  string = 7,
  timestamp = 8,  // int64 milliseconds since the epoch
  uuid = 9,
};

struct header {
  std::string name;
  value_type type = value_type::string;
  // string and byte_array: the bytes; integers, timestamp, uuid: their big-endian bytes;
  // bools: empty.
  std::string value;
  bool operator==(const header&) const = default;
};

struct message {
  std::vector<header> headers;
  std::string payload;

  // The value of the string header `name`, or nullopt.
  std::optional<std::string_view> string_header(std::string_view name) const;
  bool operator==(const message&) const = default;
};

// Appends `m` encoded to `out`. Fails (appending nothing) on a header name over 255 bytes, a
// string or byte array over 65,535, a value of the wrong size for its type, a name given
// twice, or headers or payload over the limits above.
result<void> append(std::string& out, const message& m);

// Reassembles messages from a byte stream cut anywhere. Errors are final: after one, the
// stream cannot be trusted.
class decoder {
 public:
  void feed(std::string_view bytes);
  // The next whole message, nullopt when more bytes are needed, or why the bytes are not
  // messages: a CRC that does not match, lengths that do not add up or pass the limits, a
  // header that runs past its section, an unknown value type, a name given twice.
  result<std::optional<message>> next();
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  result<std::optional<message>> fail(failure f);

  std::string buf_;
  std::size_t pos_ = 0;
  std::optional<failure> failed_;
};

// The headers section of a message as headers, or why not (used by decoder::next and tests).
result<std::vector<header>> parse_headers(std::string_view section);

}  // namespace lambdakit::wire::event_stream
