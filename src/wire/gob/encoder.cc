#include "wire/gob/encoder.h"

namespace lambdakit::wire::gob {

void append_message(std::string& out, type_id id, std::string_view payload) {
  std::string head;
  append_int(head, id);
  append_uint(out, head.size() + payload.size());
  out += head;
  out.append(payload);
}

void struct_writer::delta(int n) {
  append_uint(out_, static_cast<std::uint64_t>(n - last_));
  last_ = n;
}

struct_writer& struct_writer::uint_field(int n, std::uint64_t v) {
  if (v != 0) {
    delta(n);
    append_uint(out_, v);
  }
  return *this;
}

struct_writer& struct_writer::int_field(int n, std::int64_t v) {
  if (v != 0) {
    delta(n);
    append_int(out_, v);
  }
  return *this;
}

struct_writer& struct_writer::bool_field(int n, bool v) {
  if (v) {
    delta(n);
    append_bool(out_, v);
  }
  return *this;
}

struct_writer& struct_writer::bytes_field(int n, std::string_view v) {
  if (!v.empty()) {
    delta(n);
    append_bytes(out_, v);
  }
  return *this;
}

struct_writer struct_writer::begin_struct(int n) {
  delta(n);
  return struct_writer(out_);
}

bool struct_writer::begin_slice(int n, std::size_t count) {
  if (count == 0) return false;
  delta(n);
  append_uint(out_, count);
  return true;
}

type_id encoder::assign(const local_type& t) {
  if (t.k == local_type::kind::predefined) return t.id;
  if (auto it = ids_.find(&t); it != ids_.end()) return it->second;
  if (t.k == local_type::kind::structure) {  // Go: a struct's id before its fields' ids
    type_id id = next_++;
    ids_.emplace(&t, id);
    for (const auto& f : t.fields) assign(*f.type);
    return id;
  }
  assign(*t.elem);  // Go: a slice's id after its element's
  type_id id = next_++;
  ids_.emplace(&t, id);
  return id;
}

type_id encoder::prepare(std::string& out, const local_type& t) {
  type_id id = assign(t);
  send(out, t);
  return id;
}

void encoder::send(std::string& out, const local_type& t) {
  if (t.k == local_type::kind::predefined || !sent_.insert(&t).second) return;
  append_definition(out, t);
  if (t.k == local_type::kind::structure) {
    for (const auto& f : t.fields) send(out, *f.type);
  } else {
    send(out, *t.elem);
  }
}

// The wireType value: {StructT: {CommonType{Name, Id}, Field: [{Name, Id}...]}} or
// {SliceT: {CommonType{Name, Id}, Elem}}.
void encoder::append_definition(std::string& out, const local_type& t) {
  scratch_.clear();
  struct_writer wire(scratch_);
  bool is_struct = t.k == local_type::kind::structure;
  struct_writer def = wire.begin_struct(is_struct ? 2 : 1);  // StructT or SliceT
  struct_writer common = def.begin_struct(0);
  common.bytes_field(0, t.name).int_field(1, ids_.at(&t)).end();
  if (is_struct) {
    if (def.begin_slice(1, t.fields.size())) {
      for (const auto& f : t.fields) {
        struct_writer(scratch_).bytes_field(0, f.name).int_field(1, assign(*f.type)).end();
      }
    }
  } else {
    def.int_field(1, assign(*t.elem));
  }
  def.end();
  wire.end();
  append_message(out, -ids_.at(&t), scratch_);
}

}  // namespace lambdakit::wire::gob
