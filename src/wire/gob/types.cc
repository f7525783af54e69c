#include "wire/gob/types.h"

namespace lambdakit::wire::gob {
namespace {

// The wireType fields, in wire order.
enum wire_type_field : std::size_t {
  array_t,
  slice_t,
  struct_t,
  map_t,
  gob_encoder_t,
  binary_marshaler_t,
  text_marshaler_t,
  wire_type_fields
};

failure definition_error(std::string what) {
  return make_failure(error::bad_definition, std::move(what));
}

// A type id a definition may refer to: predefined, or one the stream defines (now or later).
result<type_id> read_type_ref(cursor& c) {
  auto id = c.read_int();
  if (!id) return std::move(id).error();
  if (!type_table::predefined(*id) && *id < ids::first_user) {
    return make_failure(error::bad_type_id,
                        "a definition refers to type id " + std::to_string(*id) +
                            " (predefined ids are 1..8, defined ones start at 64)");
  }
  return *id;
}

// CommonType{Name string; Id int}: the name is kept, the id ignored (the message's id rules).
result<void> read_common(cursor& c, wire_type& t) {
  return for_each_field(c, 2, [&](std::size_t f) -> result<void> {
    if (f == 0) {
      auto name = c.read_bytes();
      if (!name) return std::move(name).error();
      t.name = std::string(*name);
      return {};
    }
    auto id = c.read_int();
    if (!id) return std::move(id).error();
    return {};
  });
}

result<void> read_field_type(cursor& c, wire_field& out) {
  return for_each_field(c, 2, [&](std::size_t f) -> result<void> {
    if (f == 0) {
      auto name = c.read_bytes();
      if (!name) return std::move(name).error();
      out.name = std::string(*name);
      return {};
    }
    auto id = read_type_ref(c);
    if (!id) return std::move(id).error();
    out.type = *id;
    return {};
  });
}

// structType{CommonType; Field []*fieldType}
result<void> read_struct_type(cursor& c, wire_type& t) {
  t.k = wire_type::kind::structure;
  return for_each_field(c, 2, [&](std::size_t f) -> result<void> {
    if (f == 0) return read_common(c, t);
    auto n = c.read_uint();
    if (!n) return std::move(n).error();
    if (*n > c.remaining()) {
      return make_failure(error::bad_length, "a struct definition says " + std::to_string(*n) +
                                                 " fields but the message is shorter");
    }
    t.fields.reserve(static_cast<std::size_t>(*n));
    for (std::uint64_t i = 0; i < *n; ++i) {
      wire_field field;
      if (auto r = read_field_type(c, field); !r) return r;
      if (field.type == 0) return definition_error("field \"" + field.name + "\" has no type");
      t.fields.push_back(std::move(field));
    }
    return {};
  });
}

// sliceType{CommonType; Elem}, arrayType{CommonType; Elem; Len}, mapType{CommonType; Key; Elem}
result<void> read_container_type(cursor& c, wire_type& t) {
  std::size_t count = t.k == wire_type::kind::slice ? 2 : 3;
  auto r = for_each_field(c, count, [&](std::size_t f) -> result<void> {
    if (f == 0) return read_common(c, t);
    if (t.k == wire_type::kind::array && f == 2) {
      auto len = c.read_int();
      if (!len) return std::move(len).error();
      if (*len < 0) return definition_error("an array of negative length");
      t.length = *len;
      return {};
    }
    auto id = read_type_ref(c);
    if (!id) return std::move(id).error();
    bool is_key = t.k == wire_type::kind::map && f == 1;
    (is_key ? t.key : t.elem) = *id;
    return {};
  });
  if (!r) return r;
  if (t.elem == 0 || (t.k == wire_type::kind::map && t.key == 0)) {
    return definition_error("a " + std::string(t.k == wire_type::kind::map ? "map" : "slice") +
                            " definition without its element type");
  }
  return {};
}

}  // namespace

result<wire_type> read_definition(cursor& c) {
  wire_type t;
  int kinds = 0;
  auto r = for_each_field(c, wire_type_fields, [&](std::size_t f) -> result<void> {
    ++kinds;
    switch (f) {
      case struct_t:
        return read_struct_type(c, t);
      case slice_t:
        t.k = wire_type::kind::slice;
        return read_container_type(c, t);
      case array_t:
        t.k = wire_type::kind::array;
        return read_container_type(c, t);
      case map_t:
        t.k = wire_type::kind::map;
        return read_container_type(c, t);
      default:  // GobEncoder, BinaryMarshaler, TextMarshaler: the value travels as bytes
        // gobEncoderType{CommonType}: the common part is the wrapper's field 0.
        t.k = wire_type::kind::marshaled;
        return for_each_field(c, 1, [&](std::size_t) { return read_common(c, t); });
    }
  });
  if (!r) return std::move(r).error();
  if (kinds != 1) {
    return definition_error(kinds == 0 ? "a wireType with no kind set"
                                       : "a wireType with " + std::to_string(kinds) + " kinds set");
  }
  return t;
}

result<void> type_table::define(type_id id, wire_type&& t) {
  if (id < ids::first_user) {
    return make_failure(error::bad_type_id, "a definition for type id " + std::to_string(id) +
                                                " (defined ids start at 64)");
  }
  if (types_.size() >= limits_.max_types) {
    return make_failure(error::too_many_types,
                        "more than " + std::to_string(limits_.max_types) + " type definitions");
  }
  if (t.fields.size() > limits_.max_fields) {
    return make_failure(error::bad_definition, "a struct with " + std::to_string(t.fields.size()) +
                                                   " fields (at most " +
                                                   std::to_string(limits_.max_fields) + ")");
  }
  if (!types_.try_emplace(id, std::move(t)).second) {
    return make_failure(error::duplicate_type, "type id " + std::to_string(id));
  }
  return {};
}

const wire_type* type_table::find(type_id id) const {
  auto it = types_.find(id);
  return it == types_.end() ? nullptr : &it->second;
}

result<void> type_table::skip(cursor& c, type_id id, std::size_t depth) const {
  if (depth > limits_.max_depth) {
    return make_failure(error::too_deep,
                        "more than " + std::to_string(limits_.max_depth) + " levels");
  }
  switch (id) {
    case ids::boolean:
    case ids::integer:
    case ids::unsigned_integer:
    case ids::floating: {
      auto v = c.read_uint();
      if (!v) return std::move(v).error();
      return {};
    }
    case ids::byte_slice:
    case ids::string: {
      auto v = c.read_bytes();
      if (!v) return std::move(v).error();
      return {};
    }
    case ids::complex: {
      for (int i = 0; i < 2; ++i) {
        auto v = c.read_uint();
        if (!v) return std::move(v).error();
      }
      return {};
    }
    case ids::interface:
      return make_failure(error::unsupported, "an interface value");
    default:
      break;
  }
  const wire_type* t = find(id);
  if (t == nullptr) {
    return make_failure(error::unknown_type, "type id " + std::to_string(id) +
                                                 " is used but this stream never defined it");
  }
  switch (t->k) {
    case wire_type::kind::structure:
      return skip_struct(c, *t, depth);
    case wire_type::kind::marshaled: {
      auto v = c.read_bytes();
      if (!v) return std::move(v).error();
      return {};
    }
    case wire_type::kind::slice:
    case wire_type::kind::array:
    case wire_type::kind::map: {
      auto n = c.read_uint();
      if (!n) return std::move(n).error();
      if (*n > c.remaining()) {  // every element takes at least one byte
        return make_failure(error::bad_length, "a " + describe_type(*this, id) + " of " +
                                                   std::to_string(*n) +
                                                   " elements in a shorter message");
      }
      if (t->k == wire_type::kind::array && static_cast<std::int64_t>(*n) != t->length) {
        return make_failure(error::type_mismatch, "an array of " + std::to_string(t->length) +
                                                      " elements sent with " + std::to_string(*n));
      }
      for (std::uint64_t i = 0; i < *n; ++i) {
        if (t->k == wire_type::kind::map) {
          if (auto r = skip(c, t->key, depth + 1); !r) return r;
        }
        if (auto r = skip(c, t->elem, depth + 1); !r) return r;
      }
      return {};
    }
  }
  return {};
}

result<void> type_table::skip_struct(cursor& c, const wire_type& t, std::size_t depth) const {
  return for_each_field(c, t.fields.size(),
                        [&](std::size_t f) { return skip(c, t.fields[f].type, depth + 1); });
}

std::string describe_type(const type_table& table, type_id id) {
  switch (id) {
    case ids::boolean:
      return "bool";
    case ids::integer:
      return "int";
    case ids::unsigned_integer:
      return "uint";
    case ids::floating:
      return "float";
    case ids::byte_slice:
      return "[]byte";
    case ids::string:
      return "string";
    case ids::complex:
      return "complex";
    case ids::interface:
      return "interface";
    default:
      break;
  }
  const wire_type* t = table.find(id);
  if (t == nullptr) return "type " + std::to_string(id);
  switch (t->k) {
    case wire_type::kind::structure:
      return t->name.empty() ? "struct" : "struct " + t->name;
    case wire_type::kind::slice:
      return "slice";
    case wire_type::kind::array:
      return "array";
    case wire_type::kind::map:
      return "map";
    case wire_type::kind::marshaled:
      return "marshaled " + t->name;
  }
  return "type " + std::to_string(id);
}

}  // namespace lambdakit::wire::gob
