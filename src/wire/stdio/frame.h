// The stdio protocol's frames (docs/stdio.md): what a lambdakit function and the host that
// spawned it (the Node.js host, or any other) exchange over two descriptors of their own.
//
//   frame  = magic "LK" (2 bytes) · type (1) · flags (1, zero) · body length (4, big-endian) · body
//   body   = field*          field = tag (1) · value length (4, big-endian) · value bytes
//
// Binary-safe: every value is length-prefixed, so payloads may hold any byte. Numbers travel
// as decimal ASCII (what a JavaScript host writes and reads cheaply). A reader skips field
// tags it does not know, so version 1 can grow fields; new frame types need a new version,
// which the handshake (hello) catches. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace lambdakit::wire::stdio {

inline constexpr std::uint32_t protocol_version = 1;
inline constexpr std::size_t header_size = 8;
// The largest body either side sends or accepts: Lambda's 6 MB payload plus the context,
// with room to spare. A longer frame is refused before any of it is buffered.
inline constexpr std::size_t max_body = std::size_t{8} * 1024 * 1024;

enum class frame_type : std::uint8_t {
  hello = 1,           // child → host, first frame: version, lambdakit_version, pid
  invoke = 2,          // host → child: request_id, deadline_ms, ..., payload
  response = 3,        // child → host: request_id, content_type, payload
  error = 4,           // child → host: request_id, error_type, error_message, stack_frame*
  init_error = 5,      // child → host, instead of ready: error_type, error_message, stack_frame*
  ready = 6,           // child → host: Init is done, send invokes
  stream_begin = 7,    // child → host: request_id, content_type
  stream_chunk = 8,    // child → host: payload (any number of them)
  stream_end = 9,      // child → host: error_type, error_message, stack_frame* when it failed
  protocol_error = 10  // either way: message; the sender stops after it
};

enum class field : std::uint8_t {
  version = 1,
  lambdakit_version = 2,
  request_id = 3,
  deadline_ms = 4,  // absolute, Unix epoch milliseconds
  function_arn = 5,
  trace_id = 6,
  client_context = 7,
  cognito_identity = 8,
  tenant_id = 9,
  payload = 10,
  content_type = 11,
  error_type = 12,
  error_message = 13,
  stack_frame = 14,  // repeated, in order
  message = 15,
  pid = 16,
};

// Where one field's value sits in a frame's body.
struct field_ref {
  field tag{};
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// A decoded frame. Its fields are offsets into `body`, so a frame moves and copies safely;
// the views get() returns live as long as the frame.
struct frame {
  frame_type type{};
  std::string body;
  std::vector<field_ref> fields;

  // The first value of `f`, or empty when absent.
  std::string_view get(field f) const;
  bool has(field f) const;
  std::vector<std::string_view> all(field f) const;
};

std::string_view name(frame_type t);

// Appends one frame to `out`: begin, add fields, finish (which fills in the body length).
class frame_writer {
 public:
  frame_writer(std::string& out, frame_type t);
  frame_writer& add(field f, std::string_view value);
  frame_writer& add(field f, std::uint64_t value);
  // The body length so far; add() past max_body makes finish() fail.
  std::size_t body_size() const { return out_.size() - start_ - header_size; }
  result<void> finish();

 private:
  std::string& out_;
  std::size_t start_;
};

// Reassembles frames from a byte stream cut anywhere. Errors are final: after one, the
// stream cannot be trusted (the caller closes it).
class frame_reader {
 public:
  void feed(std::string_view bytes);
  // The next whole frame, nullopt when more bytes are needed, or why the bytes are not
  // frames: not "LK" (with the first bytes shown), a body over max_body, a nonzero flag
  // byte, an unknown type, or a field running past the body.
  result<std::optional<frame>> next();
  // Bytes received and not yet returned as a frame (a partial frame at end of stream).
  std::size_t buffered() const { return buf_.size() - pos_; }
  // The body length the buffered header announces, once 8 bytes are in; 0 before.
  std::size_t announced() const;

 private:
  result<std::optional<frame>> fail(failure f);

  std::string buf_;
  std::size_t pos_ = 0;
  std::optional<failure> failed_;  // once set, every next() returns it
};

// A frame's body as fields, or why not (used by frame_reader::next, and by tests).
result<std::vector<field_ref>> parse_fields(std::string_view body);

}  // namespace lambdakit::wire::stdio
