// Byte helpers for the gob tests (tests/unit/wire/gob_*_test.cc): hex in and out, and gob
// messages, type definitions and values built with the codec's own writers, so that a test
// states what it sends (a struct definition with these fields) rather than its hex.
//
// Definitions are laid out as Go's encoding/gob sends them (type.go): a wireType struct whose one
// set field (ArrayT 0, SliceT 1, StructT 2, MapT 3, GobEncoderT 4, BinaryMarshalerT 5,
// TextMarshalerT 6) is a struct beginning with an embedded CommonType{Name, Id} (field 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wire/gob/encoder.h"
#include "wire/gob/primitives.h"
#include "wire/gob/types.h"

namespace lambdakit::testing {

inline std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto b = static_cast<unsigned char>(ch);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xF]);
  }
  return out;
}

// Throws std::invalid_argument on an odd length or a character that is not a hex digit.
inline std::string unhex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit: " + std::string(1, c));
  };
  if (text.size() % 2 != 0) throw std::invalid_argument("odd number of hex digits");
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  }
  return out;
}

namespace gob_bytes {

using wire::gob::type_id;

// One message: length, id (negative for a definition), payload.
inline std::string message(type_id id, std::string_view payload) {
  std::string out;
  wire::gob::append_message(out, id, payload);
  return out;
}

// A value message holding an empty struct (or a struct value whose fields are all zero).
inline std::string empty_value(type_id id) {
  return message(id, std::string(1, '\0'));
}

struct field_def {
  std::string name;
  type_id type = 0;
};

// The wireType value of a struct definition (the payload of the message with id -id).
inline std::string struct_type(type_id id, std::string_view name,
                               const std::vector<field_def>& fields) {
  std::string body;
  wire::gob::struct_writer wire_type(body);
  wire::gob::struct_writer st = wire_type.begin_struct(2);  // StructT
  st.begin_struct(0).bytes_field(0, name).int_field(1, id).end();
  if (st.begin_slice(1, fields.size())) {
    for (const auto& f : fields) {
      wire::gob::struct_writer(body).bytes_field(0, f.name).int_field(1, f.type).end();
    }
  }
  st.end();
  wire_type.end();
  return body;
}

inline std::string define_struct(type_id id, std::string_view name,
                                 const std::vector<field_def>& fields) {
  return message(-id, struct_type(id, name, fields));
}

// sliceType{CommonType; Elem}
inline std::string define_slice(type_id id, type_id elem, std::string_view name = "") {
  std::string body;
  wire::gob::struct_writer wire_type(body);
  wire::gob::struct_writer s = wire_type.begin_struct(1);  // SliceT
  s.begin_struct(0).bytes_field(0, name).int_field(1, id).end();
  s.int_field(1, elem).end();
  wire_type.end();
  return message(-id, body);
}

// arrayType{CommonType; Elem; Len}
inline std::string define_array(type_id id, type_id elem, std::int64_t length,
                                std::string_view name = "") {
  std::string body;
  wire::gob::struct_writer wire_type(body);
  wire::gob::struct_writer a = wire_type.begin_struct(0);  // ArrayT
  a.begin_struct(0).bytes_field(0, name).int_field(1, id).end();
  a.int_field(1, elem).int_field(2, length).end();
  wire_type.end();
  return message(-id, body);
}

// mapType{CommonType; Key; Elem}
inline std::string define_map(type_id id, type_id key, type_id elem, std::string_view name = "") {
  std::string body;
  wire::gob::struct_writer wire_type(body);
  wire::gob::struct_writer m = wire_type.begin_struct(3);  // MapT
  m.begin_struct(0).bytes_field(0, name).int_field(1, id).end();
  m.int_field(1, key).int_field(2, elem).end();
  wire_type.end();
  return message(-id, body);
}

// GobEncoderT (field 4), BinaryMarshalerT (5) or TextMarshalerT (6): a gobEncoderType, which
// in Go is struct{ CommonType }, so the CommonType is a nested struct (field 0) inside it.
inline std::string define_marshaled(type_id id, int wire_field, std::string_view name) {
  std::string body;
  wire::gob::struct_writer wire_type(body);
  wire::gob::struct_writer g = wire_type.begin_struct(wire_field);
  g.begin_struct(0).bytes_field(0, name).int_field(1, id).end();
  g.end();
  wire_type.end();
  return message(-id, body);
}

// A float's wire form as a uint (its IEEE bits byte-reversed), for struct_writer::uint_field.
inline std::uint64_t float_bits(double v) {
  std::string one;
  wire::gob::append_float(one, v);
  wire::gob::cursor c(one);
  return c.read_uint().value();
}

}  // namespace gob_bytes
}  // namespace lambdakit::testing
