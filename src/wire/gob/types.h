// gob's type system on the wire: the predefined type ids, the definitions a stream sends
// (wireType values: struct, slice, array, map, and the marshaler kinds), and the per-stream
// table they go into. Ids belong to the stream that defined them: a receiver learns them from
// the definitions it gets and never assumes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "wire/gob/primitives.h"

namespace lambdakit::wire::gob {

using type_id = std::int64_t;

// The predefined ids (encoding/gob type.go).
namespace ids {
inline constexpr type_id boolean = 1;
inline constexpr type_id integer = 2;
inline constexpr type_id unsigned_integer = 3;
inline constexpr type_id floating = 4;
inline constexpr type_id byte_slice = 5;
inline constexpr type_id string = 6;
inline constexpr type_id complex = 7;
inline constexpr type_id interface = 8;
inline constexpr type_id wire_type = 16;  // ids 16..23 describe definitions themselves
// Definitions a stream sends start here: Go up to 1.20 numbered its first type 65, Go 1.21 and
// later number it 64; decoders of both accept 64 and up.
inline constexpr type_id first_user = 64;
}  // namespace ids

struct wire_field {
  std::string name;
  type_id type = 0;
};

// One received definition.
struct wire_type {
  enum class kind { structure, slice, array, map, marshaled };
  kind k = kind::structure;
  std::string name;                // informational: Go's decoder ignores it, so does lambdakit's
  std::vector<wire_field> fields;  // structure
  type_id elem = 0;                // slice, array, map (the value type)
  type_id key = 0;                 // map
  std::int64_t length = 0;         // array
};

struct type_limits {
  std::size_t max_types = 1024;   // definitions per stream
  std::size_t max_fields = 1024;  // fields per struct definition
  std::size_t max_depth = 64;     // nesting of values (structs in slices in structs...)
};

// Reads the wireType value of one definition message (the bytes after its negative id).
result<wire_type> read_definition(cursor& c);

// The definitions one stream has sent.
class type_table {
 public:
  explicit type_table(type_limits l = {}) : limits_(l) {}

  // Records the definition of `id` (from a message whose id was -id).
  result<void> define(type_id id, wire_type&& t);

  // Null when `id` is predefined or not defined.
  const wire_type* find(type_id id) const;
  static bool predefined(type_id id) { return id >= ids::boolean && id <= ids::interface; }

  // Passes over one value of type `id` (any defined type: Go ignores fields it does not know,
  // and so must lambdakit's decoders). `depth` counts enclosing values.
  result<void> skip(cursor& c, type_id id, std::size_t depth = 0) const;

  const type_limits& limits() const { return limits_; }
  std::size_t size() const { return types_.size(); }

 private:
  result<void> skip_struct(cursor& c, const wire_type& t, std::size_t depth) const;

  type_limits limits_;
  std::unordered_map<type_id, wire_type> types_;
};

// A type's name for messages: "string", "struct Request", "type 71".
std::string describe_type(const type_table& table, type_id id);

}  // namespace lambdakit::wire::gob
