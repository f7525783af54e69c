// Malformed and hostile gob streams against the stream reader and both go1.x conversations,
// table-driven: each case expects one gob::error code (and a detail naming the problem), and the
// stream or conversation must stay failed afterwards (the connection cannot be resynchronised).
// Covered: truncated messages versus merely incomplete ones (nullopt, not an error), length
// prefixes (0, over the limit before the bytes arrive, more than 8 length bytes), type ids
// (definitions below 64, duplicates, undefined or 0 value ids, the most negative id), malformed
// wireTypes (no kind, two kinds, missing element types, too many fields, counts past the end),
// a type table that never ends, recursion bombs (10,000 levels), counts past the end of the
// message, extra data, interface values, type mismatches in headers, arguments and replies.
// Unknown fields being skipped is gob_unknown_fields_test.cc.
// Hostile bytes are built with the codec's own writers (tests/unit/support/gob_bytes.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "support/gob_bytes.h"
#include "support/gob_host_stream.h"
#include "wire/go1x/messages.h"
#include "wire/go1x/rpc_client.h"
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

struct bad_case {
  const char* name;
  std::string bytes;
  gob::error code;
  const char* detail;  // a substring the failure's message must hold
};

// The case fails with its code; then the conversation stays failed, whatever comes next.
template <class Conversation>
void expect_fails_and_stays_failed(Conversation& conv, const bad_case& c, std::string_view more) {
  auto r = drain(conv, c.bytes);
  ASSERT_FALSE(r) << "accepted, " << *r << " calls or replies";
  EXPECT_EQ(r.error().code, make_error_code(c.code)) << r.error().message();
  EXPECT_NE(r.error().message().find(c.detail), std::string::npos) << r.error().message();
  auto again = drain(conv, more);
  ASSERT_FALSE(again) << "the failed conversation went on: " << *again << " more";
  EXPECT_EQ(again.error().code, make_error_code(c.code)) << again.error().message();
}

// --- framing, definitions and value ids: the stream fails --------------------------------------

std::vector<bad_case> bad_streams() {
  using e = gob::error;
  std::string two_kinds;
  {
    gob::struct_writer w(two_kinds);
    gob::struct_writer s = w.begin_struct(1);  // SliceT
    s.begin_struct(0).int_field(1, 64).end();
    s.int_field(1, id::string).end();
    gob::struct_writer t = w.begin_struct(2);  // and StructT
    t.begin_struct(0).int_field(1, 64).end();
    t.end();
    w.end();
  }
  std::string fields_past_the_end;
  {
    gob::struct_writer w(fields_past_the_end);
    gob::struct_writer st = w.begin_struct(2);
    st.begin_struct(0).int_field(1, 64).end();
    EXPECT_TRUE(st.begin_slice(1, 1000));  // 1,000 fields announced, none sent
    st.end();
    w.end();
  }
  const std::string request_def = struct_type(request_id, "Request", {{"ServiceMethod", 6}});
  return {
      {"length prefix 0", std::string(1, '\0'), e::bad_length, "length 0"},
      {"length over the limit, prefix only", uint_bytes(max_call_bytes + 1), e::too_large,
       "at most 7340032"},
      {"length 2^64-1, prefix only", uint_bytes(std::numeric_limits<std::uint64_t>::max()),
       e::too_large, "bytes"},
      {"9 length bytes", "\xf7", e::too_large, "longer than 8 bytes"},
      {"128 length bytes", "\x80", e::too_large, "longer than 8 bytes"},
      {"type id cut short", "\x01\xff", e::truncated, "integer"},
      {"type id with 9 length bytes", "\x01\xf7", e::bad_length, "at most 8"},
      {"definition for id 63", message(-63, struct_type(63, "X", {})), e::bad_type_id, "63"},
      {"definition for a predefined id", message(-6, struct_type(6, "X", {})), e::bad_type_id,
       "type id 6"},
      {"definition for wireType's id", message(-16, struct_type(16, "X", {})), e::bad_type_id,
       "16"},
      {"field of reserved type 9", define_struct(64, "Request", {{"ServiceMethod", 9}}),
       e::bad_type_id, "9"},
      {"field of a negative type", define_struct(64, "Request", {{"X", -70}}), e::bad_type_id,
       "-70"},
      {"duplicate type", request_type() + request_type(), e::duplicate_type, "64"},
      {"duplicate among others", request_type() + ping_type() + ping_call(0) + ping_type(),
       e::duplicate_type, "65"},
      {"wireType with no kind", message(-64, std::string(1, '\0')), e::bad_definition, "no kind"},
      {"wireType with two kinds", message(-64, two_kinds), e::bad_definition, "2 kinds"},
      {"wireType field 7", message(-64, "\x08\x00\x00"), e::bad_field, "field 7"},
      {"slice without element", define_slice(64, 0), e::bad_definition, "element"},
      {"map without key", define_map(64, 0, id::string), e::bad_definition, "element"},
      {"array of negative length", define_array(64, id::integer, -1), e::bad_definition,
       "negative"},
      {"struct field without a type", define_struct(64, "Request", {{"X", 0}}), e::bad_definition,
       "\"X\" has no type"},
      {"struct of 1025 fields", define_struct(64, "Wide", numbered_fields(1025)), e::bad_definition,
       "1025"},
      {"struct announcing 1000 fields", message(-64, fields_past_the_end), e::bad_length,
       "1000 fields"},
      {"definition cut short", message(-64, request_def.substr(0, request_def.size() - 3)),
       e::truncated, ""},
      {"extra data after a definition", message(-64, request_def + '\0'), e::extra_data,
       "after the definition"},
      {"definitions forever", many_definitions(64, 2000), e::too_many_types, "1024"},
      {"value of an undefined type", empty_value(70), e::unknown_type, "70"},
      {"value before its definition", ping_call(0) + host_types(), e::unknown_type, "64"},
      {"value of type id 0", message(0, std::string(1, '\0')), e::bad_type_id, "type id 0"},
  };
}

TEST(GobMalformed, StreamsFailAndStayFailed) {
  for (const auto& c : bad_streams()) {
    SCOPED_TRACE(c.name);
    server_conversation s;
    expect_fails_and_stays_failed(s, c, host_types() + ping_call(7));

    gob::stream_reader in(call_limits());  // the reader alone says the same
    in.feed(c.bytes);
    std::optional<failure> f;
    for (int i = 0; i < 100 && !f; ++i) {
      auto m = in.next();
      if (!m)
        f = m.error();
      else if (!*m)
        break;
    }
    ASSERT_TRUE(f);
    EXPECT_EQ(f->code, make_error_code(c.code));
    in.feed(host_types() + ping_call(7));
    auto again = in.next();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, make_error_code(c.code));
  }
}

TEST(GobMalformed, ServersAndClientsReadTheSameFraming) {
  for (const auto& c : bad_streams()) {
    SCOPED_TRACE(c.name);
    client_conversation client(call_limits());  // the same limits as the server's
    std::string ignored;
    client.call_ping(ignored);
    auto r = drain(client, c.bytes);
    ASSERT_FALSE(r);
    // The codes are the stream's, except that a Request header is not a Response: the client
    // may find that first ("duplicate among others" decodes a Request as a reply header).
    if (std::string_view(c.name) != "duplicate among others") {
      EXPECT_EQ(r.error().code, make_error_code(c.code)) << r.error().message();
    }
  }
}

// -*id has no value for the most negative id: the definition must be refused, not negated.
TEST(GobMalformed, DefinitionForTheMostNegativeId) {
  gob::stream_reader in;
  in.feed(message(std::numeric_limits<std::int64_t>::min(), struct_type(64, "X", {})));
  auto r = in.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(gob::error::bad_type_id)) << r.error().message();
}

TEST(GobMalformed, TooLongIsRefusedAtTheLengthPrefix) {
  gob::stream_limits limits;
  limits.max_message = 100;
  gob::stream_reader at_limit(limits);
  at_limit.feed(uint_bytes(100));  // allowed: waits for its bytes
  auto wait = at_limit.next();
  ASSERT_TRUE(wait) << wait.error().message();
  EXPECT_FALSE(*wait);

  gob::stream_reader over(limits);
  over.feed(uint_bytes(101));
  auto r = over.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(gob::error::too_large));
  EXPECT_NE(r.error().message().find("101"), std::string::npos) << r.error().message();
}

TEST(GobMalformed, TheTypeTableHoldsExactlyItsLimit) {
  server_conversation s;
  auto ok = drain(s, host_types() + many_definitions(66, 1022) + ping_call(0));  // 1,024 types
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, 1u);
  auto r = drain(s, many_definitions(66 + 1022, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(gob::error::too_many_types));
}

// --- incomplete is not truncated ---------------------------------------------------------------

TEST(GobMalformed, IncompleteStreamsWaitForMoreBytes) {
  client_conversation host;  // a valid stream, with a 2-byte and a 3-byte length prefix in it
  std::string bytes;
  host.call_ping(bytes);
  invoke_request big;
  big.payload = std::string(300, 'p');
  host.call_invoke(big, bytes);
  host.call_ping(bytes);
  ASSERT_GT(bytes.size(), 300u);
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    server_conversation s;
    auto first = drain(s, std::string_view(bytes).substr(0, cut));
    ASSERT_TRUE(first) << first.error().message();
    auto rest = drain(s, std::string_view(bytes).substr(cut));
    ASSERT_TRUE(rest) << rest.error().message();
    EXPECT_EQ(*first + *rest, 3u);
    EXPECT_EQ(s.buffered(), 0u);
  }
  // Bytes merely missing are no error however long they are awaited: a length prefix cut in
  // the middle, and a message shorter than its prefix says.
  for (std::string partial : {std::string("\xfe\x01"), uint_bytes(1000) + "\xff\x80"}) {
    gob::stream_reader in;
    in.feed(partial);
    for (int i = 0; i < 3; ++i) {
      auto m = in.next();
      ASSERT_TRUE(m) << m.error().message();
      EXPECT_FALSE(*m);
    }
    EXPECT_EQ(in.buffered(), partial.size());
  }
}

// --- call headers: the conversation fails ------------------------------------------------------

std::vector<bad_case> bad_headers() {
  using e = gob::error;
  std::string seq_as_int;
  gob::struct_writer(seq_as_int).bytes_field(0, "Function.Ping").int_field(1, 1).end();
  std::string method_bytes = header_body("Function.Ping", 1);
  std::string string_value = std::string(1, '\0');  // a top-level string: a 0 delta, then it
  gob::append_bytes(string_value, "Function.Ping");
  return {
      {"header cut short", host_types() + message(request_id, "\x01"), e::truncated,
       "unsigned integer"},
      {"header string past the message",
       host_types() + message(request_id,
                              "\x01\x7f"
                              "abc"),
       e::bad_length, "127 bytes"},
      {"header field past the end", host_types() + message(request_id, "\x03\x01\x00"),
       e::bad_field, "field 2 of a struct with 2 fields"},
      {"Seq sent as int",
       define_struct(request_id, "Request", {{"ServiceMethod", id::string}, {"Seq", id::integer}}) +
           ping_type() + message(request_id, seq_as_int) + empty_value(ping_id),
       e::type_mismatch, "Seq"},
      {"ServiceMethod sent as []byte",
       define_struct(request_id, "Request",
                     {{"ServiceMethod", id::byte_slice}, {"Seq", id::unsigned_integer}}) +
           ping_type() + message(request_id, method_bytes) + empty_value(ping_id),
       e::type_mismatch, "ServiceMethod"},
      {"header of type string", host_types() + message(id::string, string_value), e::type_mismatch,
       "expected a struct"},
      {"header of a slice type",
       define_slice(66, id::string) + ping_type() + message(66, "\x00\x01\x01x"), e::type_mismatch,
       "expected a struct"},
      {"unknown field of an undefined type",
       request_type({{"X", 99}}) + ping_type() + header_with(uint_bytes(5)) + empty_value(ping_id),
       e::unknown_type, "99"},
      {"recursion bomb: 10,000 nested structs",
       request_type({{"Nest", 66}}) + define_struct(66, "Bomb", {{"Inner", 66}}) + ping_type() +
           header_with(nested_structs(10000)) + empty_value(ping_id),
       e::too_deep, "64"},
      {"recursion bomb: 10,000 nested slices",
       request_type({{"Nest", 66}}) + define_slice(66, 66) + ping_type() +
           header_with(std::string(10000, '\x01') + '\0') + empty_value(ping_id),
       e::too_deep, "64"},
      {"slice count past the end",
       request_type({{"Names", 66}}) + define_slice(66, id::string) + ping_type() +
           header_with(uint_bytes(1000) + "\x01"
                                          "a"),
       e::bad_length, "1000"},
      {"map count past the end",
       request_type({{"Labels", 66}}) + define_map(66, id::string, id::integer) + ping_type() +
           header_with(uint_bytes(1u << 20) + "\x01"
                                              "a\x02"),
       e::bad_length, "1048576"},
      {"array sent with the wrong count",
       request_type({{"Triple", 66}}) + define_array(66, id::integer, 3) + ping_type() +
           header_with(uint_bytes(2) + "\x02\x04"),
       e::type_mismatch, "3"},
      {"interface field",
       request_type({{"Any", id::interface}}) + ping_type() + header_with(std::string(1, '\0')),
       e::unsupported, "interface"},
      {"extra data after the header",
       host_types() + message(request_id, header_body("Function.Ping", 1) + '\0') +
           empty_value(ping_id),
       e::extra_data, "after a value"},
  };
}

TEST(GobMalformed, CallHeadersFailTheConversationForGood) {
  for (const auto& c : bad_headers()) {
    SCOPED_TRACE(c.name);
    server_conversation s;
    expect_fails_and_stays_failed(s, c, ping_call(7));
  }
}

// What follows a header that failed must not be taken for calls: here the bad header's argument
// would be read as the next header, and the next real header as its argument.
TEST(GobMalformed, NoCallsAfterABadHeader) {
  server_conversation s;
  std::string bytes = host_types() +
                      message(request_id, header_body("Function.Ping", 1) + '\0') +  // extra data
                      empty_value(ping_id) + ping_call(2) + ping_call(3);
  s.feed(bytes);
  auto first = s.next();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, make_error_code(gob::error::extra_data));
  for (int i = 0; i < 4; ++i) {
    auto c = s.next();
    EXPECT_FALSE(c && *c) << "a call came out of a failed conversation: seq " << (*c)->seq
                          << ", method \"" << (*c)->method << "\", refusal \"" << (*c)->refusal
                          << "\"";
  }
}

// --- arguments: Go answers an argument it cannot decode, and the connection goes on -----------

TEST(GobMalformed, ArgumentsThatDoNotDecodeAreRefusedAndTheConnectionGoesOn) {
  // InvokeRequest with Payload sent as a string (66), then a Ping argument with extra data.
  std::string invoke_def =
      define_struct(66, "InvokeRequest", {{"Payload", id::string}, {"RequestId", id::string}});
  std::string invoke_body;
  gob::struct_writer(invoke_body).bytes_field(0, "{}").bytes_field(1, "r1").end();
  std::string bytes = host_types() + header("Function.Invoke", 0) + invoke_def +
                      message(66, invoke_body) + header("Function.Ping", 1) +
                      message(ping_id, std::string("\0\0", 2)) + ping_call(2);
  server_conversation s;
  s.feed(bytes);
  auto invoke = s.next();
  ASSERT_TRUE(invoke && *invoke);
  EXPECT_EQ((*invoke)->k, call::kind::refused);
  EXPECT_EQ((*invoke)->seq, 0u);
  EXPECT_EQ((*invoke)->method, "Function.Invoke");
  EXPECT_EQ((*invoke)->refusal.rfind("gob: ", 0), 0u) << (*invoke)->refusal;
  EXPECT_NE((*invoke)->refusal.find("Payload"), std::string::npos) << (*invoke)->refusal;
  auto ping = s.next();
  ASSERT_TRUE(ping && *ping);
  EXPECT_EQ((*ping)->k, call::kind::refused);
  EXPECT_EQ((*ping)->seq, 1u);
  EXPECT_NE((*ping)->refusal.find("after a value"), std::string::npos) << (*ping)->refusal;
  auto next = s.next();
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->k, call::kind::ping);
  EXPECT_EQ((*next)->seq, 2u);

  // The decoder itself names the mismatch with its code.
  gob::stream_reader in;
  in.feed(invoke_def + message(66, invoke_body));
  auto m = in.next();
  ASSERT_TRUE(m && *m);
  auto r = decode_invoke_request(in.types(), **m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(gob::error::type_mismatch));
  EXPECT_NE(r.error().message().find("Payload"), std::string::npos) << r.error().message();
}

TEST(GobMalformed, InvokeArgumentMismatches) {
  struct {
    const char* name;
    std::vector<field_def> fields;
    std::string body;
    const char* detail;
  } cases[] = {
      {"Payload as string", {{"Payload", id::string}}, "\x01\x02{}\x00", "Payload"},
      {"RequestId as []byte", {{"RequestId", id::byte_slice}}, "\x01\x01r\x00", "RequestId"},
      {"Deadline as int", {{"Deadline", id::integer}}, "\x01\x02\x00", "expected a struct"},
      {"ClientContext as int", {{"ClientContext", id::integer}}, "\x01\x02\x00", "ClientContext"},
      {"Seconds as uint", {{"Deadline", 67}}, "\x01\x01\x05\x00\x00", "Seconds"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    gob::stream_reader in;
    in.feed(define_struct(66, "InvokeRequest", c.fields) +
            define_struct(67, "Timestamp", {{"Seconds", id::unsigned_integer}}) +
            message(66, c.body));
    auto m = in.next();
    ASSERT_TRUE(m && *m);
    auto r = decode_invoke_request(in.types(), **m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(gob::error::type_mismatch)) << r.error().message();
    EXPECT_NE(r.error().message().find(c.detail), std::string::npos) << r.error().message();
  }
}

// --- replies: the client fails -----------------------------------------------------------------

// The function's stream so far: Response and InvokeResponse defined by the codec's encoder (ids
// from 64), so hostile values can follow with the right ids.
struct fn_stream {
  gob::encoder enc{64};
  std::string bytes;

  fn_stream& header(std::string_view method, std::uint64_t seq, std::string_view error = {}) {
    encode(enc, bytes, rpc_response{std::string(method), seq, std::string(error)});
    return *this;
  }
  fn_stream& ping_reply() {
    encode_empty(enc, bytes, types::ping_response);
    return *this;
  }
  // An InvokeResponse value with this body (the definitions go out first if they must).
  fn_stream& invoke_reply(std::string_view body) {
    gob::type_id t = enc.prepare(bytes, types::invoke_response);
    gob::append_message(bytes, t, body);
    return *this;
  }
  fn_stream& raw(std::string_view more) {
    bytes += more;
    return *this;
  }
};

std::string stack_trace_past_the_end() {
  std::string body;
  gob::struct_writer w(body);
  gob::struct_writer e = w.begin_struct(1);  // Error
  e.bytes_field(0, "boom");
  EXPECT_TRUE(e.begin_slice(2, 1000));  // StackTrace: 1,000 frames announced
  body.push_back('\0');                 // one empty frame sent
  e.end();
  w.end();
  return body;
}

std::vector<bad_case> bad_replies() {
  using e = gob::error;
  // Custom InvokeResponse definitions (the encoder has used 64 for Response only).
  std::string error_as_string;
  gob::struct_writer(error_as_string).bytes_field(1, "boom").end();
  std::string payload_as_string;
  gob::struct_writer(payload_as_string).bytes_field(0, "{}").end();
  std::string line_as_uint = "\x02\x02\x01\x01\x05\x00\x00\x00";  // Error{StackTrace: [{Line: 5}]}
  return {
      {"reply to a call never made", fn_stream().header("Function.Ping", 9).ping_reply().bytes,
       e::bad_field, "never made"},
      {"two replies to one call",
       fn_stream()
           .header("Function.Invoke", 0)
           .invoke_reply(std::string(1, '\0'))
           .header("Function.Invoke", 0)
           .invoke_reply(std::string(1, '\0'))
           .bytes,
       e::bad_field, "already answered"},
      {"StackTrace count past the end",
       fn_stream().header("Function.Invoke", 0).invoke_reply(stack_trace_past_the_end()).bytes,
       e::bad_length, "1000"},
      {"Error sent as a string",
       fn_stream()
           .header("Function.Invoke", 0)
           .raw(define_struct(65, "InvokeResponse",
                              {{"Payload", id::byte_slice}, {"Error", id::string}}) +
                message(65, error_as_string))
           .bytes,
       e::type_mismatch, "expected a struct"},
      {"Payload sent as a string",
       fn_stream()
           .header("Function.Invoke", 0)
           .raw(define_struct(65, "InvokeResponse", {{"Payload", id::string}}) +
                message(65, payload_as_string))
           .bytes,
       e::type_mismatch, "Payload"},
      {"frame Line sent as uint",
       fn_stream()
           .header("Function.Invoke", 0)
           .raw(define_struct(65, "InvokeResponse", {{"Payload", id::byte_slice}, {"Error", 66}}) +
                define_struct(66, "InvokeResponse_Error",
                              {{"Message", id::string}, {"StackTrace", 67}}) +
                define_slice(67, 68) + define_struct(68, "", {{"Line", id::unsigned_integer}}) +
                message(65, line_as_uint))
           .bytes,
       e::type_mismatch, "Line"},
      {"reply header Error as []byte",
       fn_stream()
           .raw(define_struct(64, "Response",
                              {{"ServiceMethod", id::string},
                               {"Seq", id::unsigned_integer},
                               {"Error", id::byte_slice}}) +
                message(64, header_body("Function.Invoke", 0) + ""))
           .raw([] {
             std::string body;
             gob::struct_writer(body).bytes_field(0, "Function.Invoke").bytes_field(2, "x").end();
             return message(64, body);
           }())
           .bytes,
       e::type_mismatch, "Error"},
      {"reply over the 16 MiB limit", uint_bytes(std::size_t{16} * 1024 * 1024 + 1), e::too_large,
       "16777216"},
  };
}

TEST(GobMalformed, RepliesFailTheClientForGood) {
  for (const auto& c : bad_replies()) {
    SCOPED_TRACE(c.name);
    client_conversation client;
    std::string out;
    client.call_invoke(invoke_request{}, out);  // seq 0
    fn_stream more;
    more.header("Function.Invoke", 0).invoke_reply(std::string(1, '\0'));
    expect_fails_and_stays_failed(client, c, more.bytes);
  }
}

}  // namespace
}  // namespace lambdakit::wire::go1x
