// A host's go1.x stream for the gob tests, as Go numbers it from 1.21 on (Request 64,
// PingRequest 65): call headers, Ping calls and definitions built with the codec's writers, and
// drain(), which feeds bytes to a conversation and counts what comes out until it fails or waits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "support/gob_bytes.h"
#include "wire/go1x/rpc_client.h"
#include "wire/go1x/rpc_server.h"

namespace lambdakit::testing::gob_host {

using lambdakit::wire::go1x::client_conversation;
using lambdakit::wire::go1x::server_conversation;
using namespace lambdakit::testing::gob_bytes;  // NOLINT(google-build-using-namespace)
namespace gob = lambdakit::wire::gob;
namespace id = gob::ids;

constexpr gob::type_id request_id = 64;
constexpr gob::type_id ping_id = 65;

inline std::string request_type(std::vector<field_def> extra = {}) {
  std::vector<field_def> fields = {{"ServiceMethod", id::string}, {"Seq", id::unsigned_integer}};
  fields.insert(fields.end(), extra.begin(), extra.end());
  return define_struct(request_id, "Request", fields);
}

inline std::string ping_type() {
  return define_struct(ping_id, "PingRequest", {});
}

// Both definitions, as a Go host's first call sends them (before their values, which a stream
// allows: definitions are taken in until a value arrives).
inline std::string host_types() {
  return request_type() + ping_type();
}

inline std::string header_body(std::string_view method, std::uint64_t seq) {
  std::string body;
  gob::struct_writer(body).bytes_field(0, method).uint_field(1, seq).end();
  return body;
}

inline std::string header(std::string_view method, std::uint64_t seq) {
  return message(request_id, header_body(method, seq));
}

// A Request value whose third field (an extra one: index 2) holds `value`, already encoded.
inline std::string header_with(std::string_view value) {
  std::string body;
  gob::struct_writer(body).bytes_field(0, "Function.Ping").uint_field(1, 1);
  gob::append_uint(body, 1);  // the delta from Seq (field 1) to field 2
  body += value;
  body.push_back('\0');
  return message(request_id, body);
}

inline std::string ping_call(std::uint64_t seq) {
  return header("Function.Ping", seq) + empty_value(ping_id);
}

inline std::string uint_bytes(std::uint64_t v) {
  std::string out;
  gob::append_uint(out, v);
  return out;
}

// A self-referential struct value `levels` deep: {Inner: {Inner: ... {}}}.
inline std::string nested_structs(std::size_t levels) {
  return std::string(levels, '\x01') + std::string(levels + 1, '\0');
}

inline std::string many_definitions(gob::type_id first, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    auto t = first + static_cast<gob::type_id>(i);
    out += define_struct(t, "T" + std::to_string(t), {{"A", id::integer}});
  }
  return out;
}

inline std::vector<field_def> numbered_fields(std::size_t n) {
  std::vector<field_def> fields;
  for (std::size_t i = 0; i < n; ++i) fields.push_back({"F" + std::to_string(i), id::integer});
  return fields;
}

// --- running a case ----------------------------------------------------------------------------

// Feeds `bytes` to a server or client conversation and takes calls (or replies) until next()
// fails or wants more bytes; returns how many it took.
template <class Conversation>
result<std::size_t> drain(Conversation& c, std::string_view bytes) {
  c.feed(bytes);
  std::size_t taken = 0;
  for (;;) {
    auto r = c.next();
    if (!r) return std::move(r).error();
    if (!*r) return taken;
    ++taken;
  }
}

}  // namespace lambdakit::testing::gob_host
