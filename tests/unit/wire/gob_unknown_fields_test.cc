// Fields the receiver does not know are skipped as Go skips them, whatever their kind (string,
// int, float, complex, nested struct, slice of structs, map, array, marshaled types such as
// time.Time), interleaved with known ones; nesting under the depth limit is fine.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/gob_bytes.h"
#include "support/gob_host_stream.h"
#include "wire/go1x/messages.h"
#include "wire/go1x/rpc_server.h"
#include "wire/gob/stream.h"

namespace lambdakit::wire::go1x {
namespace {

using lambdakit::testing::hex;
using lambdakit::testing::gob_bytes::define_array;
using lambdakit::testing::gob_bytes::define_map;
using lambdakit::testing::gob_bytes::define_marshaled;
using lambdakit::testing::gob_bytes::define_slice;
using lambdakit::testing::gob_bytes::define_struct;
using lambdakit::testing::gob_bytes::empty_value;
using lambdakit::testing::gob_bytes::field_def;
using lambdakit::testing::gob_bytes::float_bits;
using lambdakit::testing::gob_bytes::message;
using lambdakit::testing::gob_bytes::struct_type;
namespace id = gob::ids;
using namespace lambdakit::testing::gob_host;  // NOLINT(google-build-using-namespace)

// --- unknown fields are skipped, whatever their kind ------------------------------------------

// struct{A int; B string; C struct{D []byte}}, as a value.
std::string extra_struct(std::int64_t a, std::string_view b, std::string_view d) {
  std::string s;
  gob::struct_writer w(s);
  w.int_field(0, a).bytes_field(1, b);
  w.begin_struct(2).bytes_field(0, d).end();
  w.end();
  return s;
}

TEST(GobUnknownFields, AreSkippedWhateverTheirKind) {
  // InvokeRequest (66) as a newer peer might send it: the known fields interleaved with unknown
  // ones of every kind. Its definition refers to types defined after it (67..75), as gob allows.
  std::string defs = define_struct(66, "InvokeRequest",
                                   {{"XString", id::string},
                                    {"Payload", id::byte_slice},
                                    {"XInt", id::integer},
                                    {"RequestId", id::string},
                                    {"XStruct", 67},
                                    {"XAmznTraceId", id::string},
                                    {"XStructs", 68},
                                    {"Deadline", 70},
                                    {"XMap", 71},
                                    {"InvokedFunctionArn", id::string},
                                    {"XArray", 72},
                                    {"CognitoIdentityId", id::string},
                                    {"XFloat", id::floating},
                                    {"XBool", id::boolean},
                                    {"XComplex", id::complex},
                                    {"CognitoIdentityPoolId", id::string},
                                    {"XUint", id::unsigned_integer},
                                    {"XMapOfStructs", 73},
                                    {"XBytes", id::byte_slice},
                                    {"ClientContext", id::byte_slice},
                                    {"XSlices", 74}});
  defs += define_struct(67, "Extra", {{"A", id::integer}, {"B", id::string}, {"C", 69}});
  defs += define_slice(68, 67, "[]Extra");
  defs += define_struct(69, "Inner", {{"D", id::byte_slice}});
  defs += define_struct(70, "InvokeRequest_Timestamp",  // an unknown field in a known struct too
                        {{"Zone", id::string},
                         {"Seconds", id::integer},
                         {"Nanos", id::integer},
                         {"Leap", id::unsigned_integer}});
  defs += define_map(71, id::string, id::integer, "map[string]int");
  defs += define_array(72, id::integer, 3, "[3]int");
  defs += define_map(73, id::integer, 67, "map[int]Extra");
  defs += define_slice(74, 75, "[][]string");
  defs += define_slice(75, id::string, "[]string");

  std::string body;
  gob::struct_writer w(body);
  w.bytes_field(0, "not for us").bytes_field(1, R"({"a":1})").int_field(2, -42);
  w.bytes_field(3, "req-9");
  gob::struct_writer x = w.begin_struct(4);
  x.int_field(0, 7).bytes_field(1, "b");
  x.begin_struct(2).bytes_field(0, "d").end();
  x.end();
  w.bytes_field(5, "Root=1-2-3");
  EXPECT_TRUE(w.begin_slice(6, 2));  // []Extra: each element a struct value
  body += extra_struct(1, "one", "1");
  body += extra_struct(-2, "", "");
  gob::struct_writer d = w.begin_struct(7);
  d.bytes_field(0, "UTC").int_field(1, 1527415833).int_field(2, 32849522).uint_field(3, 1).end();
  EXPECT_TRUE(w.begin_slice(8, 2));  // a map: count, then key and value pairs
  gob::append_bytes(body, "k1");
  gob::append_int(body, 1);
  gob::append_bytes(body, "k2");
  gob::append_int(body, -2);
  w.bytes_field(9, "arn:aws:lambda:us-east-1:123456789012:function:f");
  EXPECT_TRUE(w.begin_slice(10, 3));  // an array: its length, then the elements
  for (std::int64_t v : {10, 20, 30}) gob::append_int(body, v);
  w.bytes_field(11, "cid");
  w.uint_field(12, float_bits(2.5));  // a float travels as a uint
  w.bool_field(13, true);
  w.uint_field(14, float_bits(1.5));  // a complex: its real part, then its imaginary part
  gob::append_float(body, -0.5);
  w.bytes_field(15, "pid");
  w.uint_field(16, std::uint64_t{1} << 40);
  EXPECT_TRUE(w.begin_slice(17, 1));
  gob::append_int(body, -3);
  body += extra_struct(3, "three", std::string(200, 'x'));
  w.bytes_field(18, std::string("\0\x01", 2));
  w.bytes_field(19, "{}");
  EXPECT_TRUE(w.begin_slice(20, 2));  // [["a", "b"], []]
  gob::append_uint(body, 2);
  gob::append_bytes(body, "a");
  gob::append_bytes(body, "b");
  gob::append_uint(body, 0);
  w.end();

  server_conversation s;
  s.feed(request_type() + header("Function.Invoke", 1) + defs + message(66, body));
  auto c = s.next();
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_TRUE(*c);
  ASSERT_EQ((*c)->k, call::kind::invoke) << (*c)->refusal;
  const invoke_request& r = (*c)->invoke;
  EXPECT_EQ(r.payload, R"({"a":1})");
  EXPECT_EQ(r.request_id, "req-9");
  EXPECT_EQ(r.trace_id, "Root=1-2-3");
  EXPECT_EQ(r.deadline_seconds, 1527415833);
  EXPECT_EQ(r.deadline_nanos, 32849522);
  EXPECT_EQ(r.function_arn, "arn:aws:lambda:us-east-1:123456789012:function:f");
  EXPECT_EQ(r.cognito_identity_id, "cid");
  EXPECT_EQ(r.cognito_identity_pool_id, "pid");
  EXPECT_EQ(r.client_context, "{}");
  auto none = s.next();
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_FALSE(*none);

  // Definitions that are never used may name types never defined.
  server_conversation lax;
  auto ok = drain(lax, request_type({{"Later", 99}}) + ping_type() + ping_call(0));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, 1u);
}

// GobEncoder, BinaryMarshaler and TextMarshaler types (time.Time, net.IP, ...) travel as byte
// strings; their definitions are gobEncoderType{CommonType}, as Go sends them.
TEST(GobUnknownFields, MarshaledFieldsAreSkipped) {
  // What Go 1.26 sends for a struct field of type time.Time (type id 65): the GobEncoderT field
  // (delta 5) holding a gobEncoderType whose embedded CommonType is its field 0.
  EXPECT_EQ(hex(define_marshaled(65, 4, "Time")), "10ff810501010454696d6501ff82000000");

  std::string defs = define_struct(66, "InvokeRequest",
                                   {{"Payload", id::byte_slice},
                                    {"When", 67},
                                    {"RequestId", id::string},
                                    {"Address", 68},
                                    {"Name", 69},
                                    {"ClientContext", id::byte_slice}});
  defs += define_marshaled(67, 4, "Time");  // GobEncoderT
  defs += define_marshaled(68, 5, "IP");    // BinaryMarshalerT
  defs += define_marshaled(69, 6, "Name");  // TextMarshalerT
  std::string body;
  gob::struct_writer(body)
      .bytes_field(0, "{}")
      .bytes_field(1,
                   std::string("\x01\x00\x00\x00\x0e\xd4\x8a\x4b\x19\x00\x00\x00\x00\xff\xff", 15))
      .bytes_field(2, "req-m")
      .bytes_field(3, std::string("\x7f\x00\x00\x01", 4))
      .bytes_field(4, "name")
      .bytes_field(5, "{}")
      .end();

  server_conversation s;
  auto r = drain(s, request_type() + header("Function.Invoke", 1) + defs + message(66, body));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 1u);

  gob::stream_reader in;
  in.feed(defs + message(66, body));
  auto m = in.next();
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_TRUE(*m);
  auto req = decode_invoke_request(in.types(), **m);
  ASSERT_TRUE(req) << req.error().message();
  EXPECT_EQ(req->payload, "{}");
  EXPECT_EQ(req->request_id, "req-m");
  EXPECT_EQ(req->client_context, "{}");
}

TEST(GobUnknownFields, NestingUnderTheLimitIsFine) {
  server_conversation s;
  auto r = drain(s, request_type({{"Nest", 66}}) + define_struct(66, "Tree", {{"Inner", 66}}) +
                        ping_type() + header_with(nested_structs(60)) + empty_value(ping_id));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 1u);
}

}  // namespace
}  // namespace lambdakit::wire::go1x
