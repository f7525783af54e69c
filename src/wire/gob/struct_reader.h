// Decoding a struct value into local fields, as Go's gob decoder does: fields are matched by
// name, a field the receiver does not know is skipped whatever its type, and a known field
// sent with an incompatible type is an error (int and uint are different; so are string and
// []byte).
//
//   read_struct(table, c, msg.type, [&](field& f) -> result<void> {
//     if (f.name() == "Payload") return f.read_bytes(out.payload);
//     return f.skip();
//   });
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/gob/primitives.h"
#include "wire/gob/types.h"

namespace lambdakit::wire::gob {

// One field of a struct value (or one element of a slice), positioned at its value. Exactly one
// read_* or skip() must be called.
class field {
 public:
  field(const type_table& t, cursor& c, std::string_view name, type_id type, std::size_t depth)
      : table_(t), c_(c), name_(name), type_(type), depth_(depth) {}

  std::string_view name() const { return name_; }
  type_id type() const { return type_; }

  result<void> read_bytes(std::string& out);   // []byte
  result<void> read_string(std::string& out);  // string
  result<void> read_int(std::int64_t& out);    // any Go signed integer
  result<void> read_uint(std::uint64_t& out);  // any Go unsigned integer
  result<void> read_bool(bool& out);
  result<void> skip() { return table_.skip(c_, type_, depth_); }

  // A struct: f(field&) for each of its fields present.
  template <class F>
  result<void> read_struct(F&& f);

  // A slice: f(field&) for each element (named "").
  template <class F>
  result<void> read_slice(F&& f);

 private:
  result<void> expect(type_id want, const char* local);
  const wire_type* expect_kind(wire_type::kind k, const char* local, result<void>& r);

  const type_table& table_;
  cursor& c_;
  std::string_view name_;
  type_id type_;
  std::size_t depth_;
};

// Reads a struct value of wire type `type` from `c`: f(field&) for each field present.
template <class F>
result<void> read_struct(const type_table& table, cursor& c, type_id type, F&& f,
                         std::size_t depth = 0);

// --- implementation ------------------------------------------------------------------------

template <class F>
result<void> read_struct(const type_table& table, cursor& c, type_id type, F&& f,
                         std::size_t depth) {
  if (depth > table.limits().max_depth) {
    return make_failure(error::too_deep,
                        "more than " + std::to_string(table.limits().max_depth) + " levels");
  }
  const wire_type* t = table.find(type);
  if (t == nullptr || t->k != wire_type::kind::structure) {
    return make_failure(error::type_mismatch,
                        "expected a struct, received " + describe_type(table, type));
  }
  return for_each_field(c, t->fields.size(), [&](std::size_t n) -> result<void> {
    const wire_field& wf = t->fields[n];
    field fv(table, c, wf.name, wf.type, depth + 1);
    return f(fv);
  });
}

template <class F>
result<void> field::read_struct(F&& f) {
  auto r = gob::read_struct(table_, c_, type_, std::forward<F>(f), depth_);
  if (!r && r.error().code == make_error_code(error::type_mismatch) &&
      r.error().detail.starts_with("expected a struct")) {
    return make_failure(
        error::type_mismatch,
        "field " + std::string(name_.empty() ? "(element)" : name_) + ": " + r.error().detail);
  }
  return r;
}

template <class F>
result<void> field::read_slice(F&& f) {
  result<void> r;
  const wire_type* t = expect_kind(wire_type::kind::slice, "slice", r);
  if (t == nullptr) return r;
  auto n = c_.read_uint();
  if (!n) return std::move(n).error();
  if (*n > c_.remaining()) {
    return make_failure(error::bad_length, "field " + std::string(name_) + ": a slice of " +
                                               std::to_string(*n) +
                                               " elements in a shorter message");
  }
  for (std::uint64_t i = 0; i < *n; ++i) {
    field element(table_, c_, "", t->elem, depth_ + 1);
    if (auto e = f(element); !e) return e;
  }
  return {};
}

}  // namespace lambdakit::wire::gob
