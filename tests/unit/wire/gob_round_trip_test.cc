// Round trips through both go1.x conversations: every message type with all fields set, zero
// values, large payloads (1 MB) and 32-frame stack traces, replies out of order.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/go1x_samples.h"
#include "wire/go1x/messages.h"
#include "wire/go1x/rpc_client.h"
#include "wire/go1x/rpc_server.h"
#include "wire/gob/stream.h"

namespace lambdakit::wire::go1x {
namespace {

using lambdakit::testing::hex;
using namespace samples;  // NOLINT(google-build-using-namespace)

// --- round trips -------------------------------------------------------------------------------

std::string every_byte(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 7 + i / 256) & 0xFF);
  return s;
}

invoke_request full_request(std::size_t payload_size) {
  invoke_request r;
  r.payload = every_byte(payload_size);
  r.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
  r.trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
  r.deadline_seconds = std::numeric_limits<std::int64_t>::max();
  r.deadline_nanos = -999999999;
  r.function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:name:alias";
  r.cognito_identity_id = "eu-west-1:5e4b1cfa-1234-4e6b-9876-1234567890ab";
  r.cognito_identity_pool_id = "eu-west-1:pool";
  r.client_context = R"({"client":{"installation_id":"x"},"custom":{"k":"v"},"env":{}})";
  return r;
}

invoke_response full_response(std::size_t payload_size, std::size_t frames) {
  invoke_response r;
  r.payload = every_byte(payload_size);
  invoke_error e;
  e.message = "runtime error: index out of range [3] with length 3";
  e.type = "runtime.boundsError";
  for (std::size_t i = 0; i < frames; ++i) {
    e.stack_trace.push_back({"/go/src/app/f" + std::to_string(i) + ".go",
                             i % 2 == 0 ? static_cast<std::int64_t>(i) * 1000 : -1,
                             "main.level" + std::to_string(i)});
  }
  e.should_exit = true;
  r.error = std::move(e);
  return r;
}

bool same(const invoke_request& a, const invoke_request& b) {
  return a.payload == b.payload && a.request_id == b.request_id && a.trace_id == b.trace_id &&
         a.deadline_seconds == b.deadline_seconds && a.deadline_nanos == b.deadline_nanos &&
         a.function_arn == b.function_arn && a.cognito_identity_id == b.cognito_identity_id &&
         a.cognito_identity_pool_id == b.cognito_identity_pool_id &&
         a.client_context == b.client_context;
}

bool same(const invoke_response& a, const invoke_response& b) {
  if (a.payload != b.payload || a.error.has_value() != b.error.has_value()) return false;
  if (!a.error) return true;
  const invoke_error& x = *a.error;
  const invoke_error& y = *b.error;
  if (x.message != y.message || x.type != y.type || x.should_exit != y.should_exit ||
      x.stack_trace.size() != y.stack_trace.size()) {
    return false;
  }
  for (std::size_t i = 0; i < x.stack_trace.size(); ++i) {
    const auto& f = x.stack_trace[i];
    const auto& g = y.stack_trace[i];
    if (f.path != g.path || f.line != g.line || f.label != g.label) return false;
  }
  return true;
}

TEST(GobRoundTrip, EveryMessageTypeWithAllFieldsSet) {
  const rpc_request request{"Function.Invoke", std::numeric_limits<std::uint64_t>::max()};
  const rpc_response response{"Function.Invoke", std::uint64_t{1} << 40, "rpc: it failed"};
  const invoke_request invoke = full_request(1000);
  const invoke_response answer = full_response(1000, 32);
  for (gob::type_id first : {gob::type_id{64}, gob::type_id{65}}) {
    SCOPED_TRACE("first id " + std::to_string(first));
    gob::encoder enc(first);
    std::string out;
    for (int round = 0; round < 2; ++round) {  // the second time, no definitions go out
      std::size_t before = out.size();
      encode(enc, out, request);
      encode(enc, out, response);
      encode(enc, out, invoke);
      encode(enc, out, answer);
      encode_empty(enc, out, types::ping_request);
      encode_empty(enc, out, types::ping_response);
      encode_empty(enc, out, types::empty);
      if (round == 1) {
        EXPECT_LT(out.size() - before, before);
      }
    }
    gob::stream_reader in;
    in.feed(out);
    for (int round = 0; round < 2; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      auto next = [&]() -> gob::value_message {
        auto m = in.next();
        if (!m) {
          ADD_FAILURE() << m.error().message();
          return {};
        }
        if (!*m) {
          ADD_FAILURE() << "no message";
          return {};
        }
        return **m;
      };
      auto rq = decode_rpc_request(in.types(), next());
      ASSERT_TRUE(rq) << rq.error().message();
      EXPECT_EQ(rq->service_method, request.service_method);
      EXPECT_EQ(rq->seq, request.seq);
      auto rs = decode_rpc_response(in.types(), next());
      ASSERT_TRUE(rs) << rs.error().message();
      EXPECT_EQ(rs->service_method, response.service_method);
      EXPECT_EQ(rs->seq, response.seq);
      EXPECT_EQ(rs->error, response.error);
      auto iq = decode_invoke_request(in.types(), next());
      ASSERT_TRUE(iq) << iq.error().message();
      EXPECT_TRUE(same(*iq, invoke)) << describe(*iq);
      auto ir = decode_invoke_response(in.types(), next());
      ASSERT_TRUE(ir) << ir.error().message();
      EXPECT_TRUE(same(*ir, answer)) << describe(*ir);
      ASSERT_TRUE(ir->error);
      EXPECT_EQ(ir->error->stack_trace.size(), 32u);
      for (int i = 0; i < 3; ++i) {
        auto e = decode_ignored(in.types(), next());
        EXPECT_TRUE(e) << e.error().message();
      }
    }
    auto end = in.next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
    EXPECT_EQ(in.buffered(), 0u);
  }
}

TEST(GobRoundTrip, ZeroValuesDecodeAsZero) {
  gob::encoder enc;
  std::string out;
  encode(enc, out, invoke_request{});
  encode(enc, out, invoke_response{});
  invoke_response empty_error;
  empty_error.error.emplace();  // a non-nil pointer to a zero struct is sent: `02 00`
  encode(enc, out, empty_error);
  gob::stream_reader in;
  in.feed(out);
  auto a = in.next();
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(hex((*a)->body), "040000");  // only the Deadline, all zero
  auto rq = decode_invoke_request(in.types(), **a);
  ASSERT_TRUE(rq) << rq.error().message();
  EXPECT_TRUE(same(*rq, invoke_request{})) << describe(*rq);
  auto b = in.next();
  ASSERT_TRUE(b && *b);
  EXPECT_EQ(hex((*b)->body), "00");
  auto rs = decode_invoke_response(in.types(), **b);
  ASSERT_TRUE(rs) << rs.error().message();
  EXPECT_FALSE(rs->error);
  auto c = in.next();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ(hex((*c)->body), "020000");
  auto re = decode_invoke_response(in.types(), **c);
  ASSERT_TRUE(re) << re.error().message();
  ASSERT_TRUE(re->error);
  EXPECT_TRUE(same(*re, empty_error)) << describe(*re);
}

TEST(GobRoundTrip, LargePayloadsThroughBothConversations) {
  constexpr std::size_t one_mb = std::size_t{1} << 20;
  const invoke_request request = full_request(one_mb);
  const invoke_response answer = full_response(one_mb, 32);
  for (std::size_t step : {std::size_t{0}, std::size_t{65536}, std::size_t{4093}}) {
    SCOPED_TRACE("piece size " + std::to_string(step));
    client_conversation client;
    server_conversation server;
    auto deliver = [step](std::string_view bytes, auto& to) {
      if (step == 0) return to.feed(bytes);
      for (std::size_t at = 0; at < bytes.size(); at += step) to.feed(bytes.substr(at, step));
    };
    for (int i = 0; i < 3; ++i) {  // the later calls reuse the stream's definitions
      SCOPED_TRACE("call " + std::to_string(i));
      std::string to_fn;
      std::uint64_t seq = client.call_invoke(request, to_fn);
      EXPECT_GT(to_fn.size(), one_mb);
      deliver(to_fn, server);
      auto c = server.next();
      ASSERT_TRUE(c) << c.error().message();
      ASSERT_TRUE(*c);
      EXPECT_EQ((*c)->k, call::kind::invoke);
      EXPECT_EQ((*c)->seq, seq);
      EXPECT_TRUE(same((*c)->invoke, request)) << describe((*c)->invoke);

      std::string to_host;
      server.reply_invoke(**c, answer, to_host);
      deliver(to_host, client);
      auto r = client.next();
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_TRUE(*r);
      EXPECT_EQ((*r)->seq, seq);
      EXPECT_EQ((*r)->error, "");
      ASSERT_TRUE((*r)->invoke);
      EXPECT_TRUE(same(*(*r)->invoke, answer)) << describe(*(*r)->invoke);
    }
    EXPECT_EQ(server.buffered(), 0u);
    EXPECT_EQ(client.buffered(), 0u);
  }
}

TEST(GobRoundTrip, RepliesMayComeOutOfOrder) {
  client_conversation client;
  server_conversation server;
  std::string to_fn;
  std::uint64_t ping = client.call_ping(to_fn);
  std::uint64_t invoke = client.call_invoke(invoke_ok(), to_fn);
  std::uint64_t nope = client.call("Other.Method", to_fn);
  server.feed(to_fn);
  std::vector<call> calls;
  for (;;) {
    auto c = server.next();
    ASSERT_TRUE(c) << c.error().message();
    if (!*c) break;
    calls.push_back(std::move(**c));
  }
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].k, call::kind::refused);
  EXPECT_EQ(calls[2].refusal, "rpc: can't find service Other.Method");
  std::string to_host;
  server.reply_error(calls[2], calls[2].refusal, to_host);
  server.reply_invoke(calls[1], ok_response(), to_host);
  server.reply_ping(calls[0], to_host);
  client.feed(to_host);
  std::vector<std::uint64_t> order;
  for (;;) {
    auto r = client.next();
    ASSERT_TRUE(r) << r.error().message();
    if (!*r) break;
    order.push_back((*r)->seq);
    if ((*r)->seq == nope) {
      EXPECT_EQ((*r)->error, "rpc: can't find service Other.Method");
    }
    if ((*r)->seq == invoke) {
      ASSERT_TRUE((*r)->invoke);
      EXPECT_TRUE(same(*(*r)->invoke, ok_response()));
    }
  }
  EXPECT_EQ(order, (std::vector<std::uint64_t>{nope, invoke, ping}));
  EXPECT_EQ(client.outstanding(), 0u);
}

}  // namespace
}  // namespace lambdakit::wire::go1x
