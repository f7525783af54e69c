// Encoding: local types described once, as constants, and an encoder per stream that sends
// each type's definition the first time a value of it goes out, in the order Go's encoder
// does: ids are given depth-first as a type is first used (a struct before its fields, a slice
// after its element), and a struct's definition is sent before those of its fields' types. So
// a C++ peer's stream is byte-identical to a Go peer's for the same sequence of values.
//
//   constexpr gob::local_field ping_fields[] = {};
//   constexpr gob::local_type ping = gob::structure("PingResponse", ping_fields);
//   gob::encoder enc;
//   std::string out;
//   gob::type_id id = enc.prepare(out, ping);          // definitions not yet sent
//   std::string body;
//   gob::struct_writer(body).end();                     // the value: struct{}
//   gob::append_message(out, id, body);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "wire/gob/primitives.h"
#include "wire/gob/types.h"

namespace lambdakit::wire::gob {

struct local_type;

struct local_field {
  std::string_view name;
  const local_type* type;
};

struct local_type {
  enum class kind { predefined, structure, slice };
  kind k = kind::predefined;
  type_id id = 0;  // predefined only
  std::string_view name;
  std::span<const local_field> fields;  // structure
  const local_type* elem = nullptr;     // slice
};

namespace local {
inline constexpr local_type boolean{
    local_type::kind::predefined, ids::boolean, "bool", {}, nullptr};
inline constexpr local_type integer{local_type::kind::predefined, ids::integer, "int", {}, nullptr};
inline constexpr local_type unsigned_integer{
    local_type::kind::predefined, ids::unsigned_integer, "uint", {}, nullptr};
inline constexpr local_type bytes{
    local_type::kind::predefined, ids::byte_slice, "[]byte", {}, nullptr};
inline constexpr local_type string{
    local_type::kind::predefined, ids::string, "string", {}, nullptr};
}  // namespace local

constexpr local_type structure(std::string_view name,
                               std::span<const local_field> fields) noexcept {
  return {local_type::kind::structure, 0, name, fields, nullptr};
}
constexpr local_type slice_of(std::string_view name, const local_type& elem) noexcept {
  return {local_type::kind::slice, 0, name, {}, &elem};
}

// One message: the byte count, the type id (negated for a definition), the payload.
void append_message(std::string& out, type_id id, std::string_view payload);

// A struct value being written, field by field in increasing field number. Zero values are
// omitted by the *_field calls, as Go omits them; nested structs are always written.
class struct_writer {
 public:
  explicit struct_writer(std::string& out) : out_(out) {}

  struct_writer& uint_field(int n, std::uint64_t v);
  struct_writer& int_field(int n, std::int64_t v);
  struct_writer& bool_field(int n, bool v);
  struct_writer& bytes_field(int n, std::string_view v);  // string or []byte
  // Starts field n as a struct; write its fields with the returned writer, then end() it.
  struct_writer begin_struct(int n);
  // Starts field n as a slice of `count` elements (the caller writes them, each as a value);
  // omitted, as Go omits empty slices, when count is 0.
  bool begin_slice(int n, std::size_t count);
  void end() { out_.push_back('\0'); }

  std::string& out() { return out_; }

 private:
  void delta(int n);
  std::string& out_;
  int last_ = -1;
};

class encoder {
 public:
  // `first` is the id of the first type defined: 64 as Go 1.21 and later number them, 65 as
  // Go 1.20 and earlier did (the recorded vectors).
  explicit encoder(type_id first = ids::first_user) : next_(first) {}

  // Appends to `out` the definitions this stream has not yet sent that a value of `t` needs,
  // and returns t's id on this stream.
  type_id prepare(std::string& out, const local_type& t);

 private:
  type_id assign(const local_type& t);
  void send(std::string& out, const local_type& t);
  void append_definition(std::string& out, const local_type& t);

  std::unordered_map<const local_type*, type_id> ids_;
  std::unordered_set<const local_type*> sent_;
  type_id next_;
  std::string scratch_;
};

}  // namespace lambdakit::wire::gob
