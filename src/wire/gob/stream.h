// One direction of a gob stream, incrementally: bytes in, value messages out. Each message is
// a uint byte count, an int type id, then the payload; a negative id carries a type definition
// for -id, which goes into the stream's type table, a positive id a value of that type. Pure:
// no I/O. Every limit is checked before the bytes behind it are awaited, so a hostile length
// is refused at once, and a stream that failed stays failed.
//
//   stream_reader in;
//   in.feed(bytes);
//   while (auto m = in.next(); m && *m) { ... (*m)->body ... }   // a view valid until feed/next
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/gob/types.h"

namespace lambdakit::wire::gob {

struct stream_limits {
  std::size_t max_message = std::size_t{16} * 1024 * 1024;  // bytes after the length prefix
  type_limits types;
};

// A value message: its type and the value's bytes.
struct value_message {
  type_id type = 0;
  std::string_view body;
};

class stream_reader {
 public:
  explicit stream_reader(stream_limits l = {}) : limits_(l), table_(l.types) {}

  void feed(std::string_view data);

  // The next value message, after taking in any definitions before it; nullopt until one is
  // complete. The view stays valid until the next call to feed() or next().
  result<std::optional<value_message>> next();

  // Bytes received but not yet returned as messages (a partial message, at end of stream).
  std::size_t buffered() const { return buf_.size() - start_; }
  const type_table& types() const { return table_; }
  const stream_limits& limits() const { return limits_; }

 private:
  stream_limits limits_;
  type_table table_;
  std::string buf_;
  std::size_t start_ = 0;  // where the first unread message begins in buf_
  std::optional<failure> failed_;
};

}  // namespace lambdakit::wire::gob
