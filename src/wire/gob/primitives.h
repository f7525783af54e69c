// gob's primitive encodings (encoding/gob doc.go): unsigned and signed integers, booleans,
// floats, strings and byte slices. Writers append to a std::string; a cursor reads them back
// from one message's bytes and fails, never reads past the end.
//
//   uint: < 128 in one byte; else a byte holding -n (n = 1..8) and n big-endian bytes.
//   int:  i >= 0 ? i << 1 : (~i << 1) | 1, sent as a uint.
//   bool: a uint 0 or 1. float64: its IEEE bits byte-reversed, sent as a uint.
//   string and []byte: a uint length, then the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/gob/error.h"

namespace lambdakit::wire::gob {

void append_uint(std::string& out, std::uint64_t v);
void append_int(std::string& out, std::int64_t v);
void append_bool(std::string& out, bool v);
void append_float(std::string& out, double v);
void append_bytes(std::string& out, std::string_view v);  // string or []byte

// Reads primitives from the bytes of one message. Failures name what was being read.
class cursor {
 public:
  explicit cursor(std::string_view bytes) : data_(bytes) {}

  result<std::uint64_t> read_uint();
  result<std::int64_t> read_int();
  result<bool> read_bool();
  result<double> read_float();
  // A string or []byte: a view into the message's bytes.
  result<std::string_view> read_bytes();
  result<void> skip(std::size_t n);

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

// Walks one struct value: its (delta, value) pairs up to the closing 0. `f(field_number)` must
// consume the field's value from `c`. Field numbers are checked against `field_count`.
template <class F>
result<void> for_each_field(cursor& c, std::size_t field_count, F&& f) {
  std::uint64_t next = 0;  // the lowest field number the next delta may reach
  for (;;) {
    auto delta = c.read_uint();
    if (!delta) return std::move(delta).error();
    if (*delta == 0) return {};
    if (*delta > field_count - next) {
      return make_failure(error::bad_field, "field " + std::to_string(next - 1 + *delta) +
                                                " of a struct with " + std::to_string(field_count) +
                                                " fields");
    }
    std::uint64_t field = next - 1 + *delta;
    next = field + 1;
    if (auto r = f(static_cast<std::size_t>(field)); !r) return r;
  }
}

}  // namespace lambdakit::wire::gob
