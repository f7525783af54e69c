#include "wire/gob/struct_reader.h"

namespace lambdakit::wire::gob {

result<void> field::expect(type_id want, const char* local) {
  if (type_ == want) return {};
  return make_failure(error::type_mismatch,
                      "field " + std::string(name_.empty() ? "(element)" : name_) + ": local " +
                          local + ", received " + describe_type(table_, type_));
}

const wire_type* field::expect_kind(wire_type::kind k, const char* local, result<void>& r) {
  const wire_type* t = table_.find(type_);
  if (t != nullptr && t->k == k) return t;
  r = make_failure(error::type_mismatch,
                   "field " + std::string(name_.empty() ? "(element)" : name_) + ": local " +
                       local + ", received " + describe_type(table_, type_));
  return nullptr;
}

result<void> field::read_bytes(std::string& out) {
  if (auto r = expect(ids::byte_slice, "[]byte"); !r) return r;
  auto v = c_.read_bytes();
  if (!v) return std::move(v).error();
  out.assign(v->data(), v->size());
  return {};
}

result<void> field::read_string(std::string& out) {
  if (auto r = expect(ids::string, "string"); !r) return r;
  auto v = c_.read_bytes();
  if (!v) return std::move(v).error();
  out.assign(v->data(), v->size());
  return {};
}

result<void> field::read_int(std::int64_t& out) {
  if (auto r = expect(ids::integer, "int"); !r) return r;
  auto v = c_.read_int();
  if (!v) return std::move(v).error();
  out = *v;
  return {};
}

result<void> field::read_uint(std::uint64_t& out) {
  if (auto r = expect(ids::unsigned_integer, "uint"); !r) return r;
  auto v = c_.read_uint();
  if (!v) return std::move(v).error();
  out = *v;
  return {};
}

result<void> field::read_bool(bool& out) {
  if (auto r = expect(ids::boolean, "bool"); !r) return r;
  auto v = c_.read_bool();
  if (!v) return std::move(v).error();
  out = *v;
  return {};
}

}  // namespace lambdakit::wire::gob
