// The recorded go1.x vectors (tests/data/go1x-vectors.txt: Go 1.19, first user type id 65;
// go1x-vectors-go1.21.txt: Go >= 1.21, first id 64), both ways: every host->fn section decoded by
// one server_conversation (type definitions are sent once per stream) into the calls the
// recording made; the function's replies re-encoded by a server_conversation and the host's
// calls by a client_conversation, byte for byte against the recording; the function's replies
// decoded by the client; the rust-aws-lambda decoder test stream. Then round trips of every
// message type with all fields set, large payloads (1 MB) and 32-frame stack traces.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/gob_bytes.h"
#include "wire/go1x/messages.h"
#include "wire/go1x/rpc_client.h"
#include "wire/go1x/rpc_server.h"
#include "wire/gob/stream.h"

#ifndef LAMBDAKIT_TEST_DATA_DIR
#error "LAMBDAKIT_TEST_DATA_DIR must name tests/data (tests/unit/CMakeLists.txt defines it)"
#endif

namespace lambdakit::wire::go1x {
namespace {

using lambdakit::testing::hex;
using lambdakit::testing::unhex;

// --- the vector files ----------------------------------------------------------------------

struct vector_message {
  bool definition = false;  // TYPEDEF (sent with id -id) or VALUE
  gob::type_id id = 0;
  std::string bytes;  // the whole message, length prefix included
  int line = 0;
};

struct vector_section {
  int number = 0;  // 1..7; 0 for the rust-aws-lambda stream
  bool host_to_fn = true;
  std::string title;
  std::vector<vector_message> messages;

  std::string bytes() const {
    std::string out;
    for (const auto& m : messages) out += m.bytes;
    return out;
  }
};

struct recording {
  const char* file;
  gob::type_id first_id;
};

constexpr recording recordings[] = {{"go1x-vectors.txt", 65}, {"go1x-vectors-go1.21.txt", 64}};

// Sections in file order. A line the format does not allow is a test failure.
std::vector<vector_section> load(const recording& rec) {
  std::string path = std::string(LAMBDAKIT_TEST_DATA_DIR) + "/" + rec.file;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  std::vector<vector_section> sections;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || (line[0] == '#' && line.rfind("## ", 0) != 0)) continue;
    if (line.rfind("## ", 0) == 0) {
      vector_section s;
      s.title = line.substr(3);
      if (s.title.find("rust-aws-lambda") != std::string::npos) {
        s.number = 0;
      } else {
        s.number = std::stoi(s.title);
      }
      bool to_fn = s.title.find("host->fn") != std::string::npos;
      bool to_host = s.title.find("fn->host") != std::string::npos;
      if (to_fn == to_host) ADD_FAILURE() << path << ":" << number << ": no direction: " << line;
      s.host_to_fn = to_fn;
      sections.push_back(std::move(s));
      continue;
    }
    std::istringstream fields(line);
    std::string kind, id, bytes;
    fields >> kind >> id >> bytes;
    if ((kind != "TYPEDEF" && kind != "VALUE") || id.rfind("id=", 0) != 0 || bytes.empty() ||
        sections.empty()) {
      ADD_FAILURE() << path << ":" << number << ": not a message line: " << line;
      continue;
    }
    vector_message m;
    m.definition = kind == "TYPEDEF";
    m.id = std::stoll(id.substr(3));
    m.bytes = unhex(bytes);
    m.line = number;
    sections.back().messages.push_back(std::move(m));
  }
  return sections;
}

// The bytes of section `number` in one direction (numbered sections only).
std::string stream(const std::vector<vector_section>& sections, int number, bool host_to_fn) {
  for (const auto& s : sections) {
    if (s.number == number && s.host_to_fn == host_to_fn) return s.bytes();
  }
  ADD_FAILURE() << "no section " << number << (host_to_fn ? " host->fn" : " fn->host");
  return {};
}

const vector_section* rust_section(const std::vector<vector_section>& sections) {
  for (const auto& s : sections) {
    if (s.number == 0) return &s;
  }
  return nullptr;
}

// --- what the recording holds ----------------------------------------------------------------

std::string shown(std::string_view bytes) {
  if (bytes.size() > 80) {
    return "<" + std::to_string(bytes.size()) + " bytes: " + hex(bytes.substr(0, 16)) + "...>";
  }
  return "\"" + std::string(bytes) + "\"";
}

std::string describe(const invoke_request& r) {
  return "payload=" + shown(r.payload) + " request_id=" + shown(r.request_id) +
         " trace=" + shown(r.trace_id) + " deadline=" + std::to_string(r.deadline_seconds) + "s+" +
         std::to_string(r.deadline_nanos) + "ns arn=" + shown(r.function_arn) +
         " cognito=" + shown(r.cognito_identity_id) + "/" + shown(r.cognito_identity_pool_id) +
         " client_context=" + shown(r.client_context);
}

std::string describe(const invoke_response& r) {
  std::string s = "payload=" + shown(r.payload);
  if (!r.error) return s + " error=nil";
  const invoke_error& e = *r.error;
  s += " error={message=" + shown(e.message) + " type=" + shown(e.type) + " stack=[";
  for (const auto& f : e.stack_trace) {
    s += "{" + shown(f.path) + " " + std::to_string(f.line) + " " + shown(f.label) + "}";
  }
  return s + "] should_exit=" + (e.should_exit ? "true" : "false") + "}";
}

std::string describe(const call& c) {
  const char* kinds[] = {"ping", "invoke", "refused"};
  std::string s = std::string(kinds[static_cast<int>(c.k)]) + " seq=" + std::to_string(c.seq) +
                  " method=" + c.method;
  if (c.k == call::kind::refused) s += " refusal=" + shown(c.refusal);
  if (c.k == call::kind::invoke) s += " " + describe(c.invoke);
  return s;
}

std::string describe(const reply& r) {
  std::string s =
      "seq=" + std::to_string(r.seq) + " method=" + r.method + " error=" + shown(r.error);
  if (r.invoke) s += " invoke={" + describe(*r.invoke) + "}";
  return s;
}

constexpr std::int64_t recorded_seconds = 1527415833;
constexpr std::int64_t recorded_nanos = 32849522;

invoke_request invoke_ok() {
  invoke_request r;
  r.payload = R"({"a":1})";
  r.request_id = "req-1";
  r.trace_id = "Root=1-2-3";
  r.deadline_seconds = recorded_seconds;
  r.deadline_nanos = recorded_nanos;
  r.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
  return r;
}

invoke_request invoke_error_request() {
  invoke_request r;
  r.payload = R"("error")";
  r.request_id = "r2";
  r.deadline_seconds = 1;
  r.cognito_identity_id = "cid";
  r.cognito_identity_pool_id = "pid";
  r.client_context = "{}";
  return r;
}

invoke_request payload_only(std::string payload) {
  invoke_request r;
  r.payload = std::move(payload);
  return r;
}

invoke_response ok_response() {
  invoke_response r;
  r.payload = R"({"ok":true})";
  return r;
}

invoke_response handler_error_response() {
  invoke_response r;
  r.error = invoke_error{"boom", "errorString", {}, false};
  return r;
}

invoke_response panic_response() {
  invoke_response r;
  r.error = invoke_error{"oops", "string", {{"main.go", 12, "handler"}}, true};
  return r;
}

// One call of the recording and its answer.
struct exchange {
  int section;
  call want_call;
  enum class answer { ping, invoke, error, refusal } how;
  invoke_response response;  // invoke
  std::string error_text;    // error
  reply want_reply;
};

std::vector<exchange> recorded_exchanges() {
  using k = call::kind;
  using a = exchange::answer;
  const std::string nope_refusal = "rpc: can't find method Function.Nope";
  return {
      {1, {k::ping, 0, "Function.Ping", {}, {}}, a::ping, {}, {}, {0, "Function.Ping", {}, {}}},
      {2,
       {k::invoke, 1, "Function.Invoke", {}, invoke_ok()},
       a::invoke,
       ok_response(),
       {},
       {1, "Function.Invoke", {}, ok_response()}},
      {3,
       {k::invoke, 2, "Function.Invoke", {}, invoke_error_request()},
       a::invoke,
       handler_error_response(),
       {},
       {2, "Function.Invoke", {}, handler_error_response()}},
      {4,
       {k::invoke, 3, "Function.Invoke", {}, payload_only(R"("panic")")},
       a::invoke,
       panic_response(),
       {},
       {3, "Function.Invoke", {}, panic_response()}},
      // The method itself fails at the RPC level: Response.Error, then the first struct{} of
      // the stream (its TYPEDEF goes out here).
      {5,
       {k::invoke, 4, "Function.Invoke", {}, payload_only(R"("rpcerr")")},
       a::error,
       {},
       "method failed",
       {4, "Function.Invoke", "method failed", std::nullopt}},
      {6,
       {k::refused, 5, "Function.Nope", nope_refusal, {}},
       a::refusal,
       {},
       {},
       {5, "Function.Nope", nope_refusal, std::nullopt}},
      {7, {k::ping, 6, "Function.Ping", {}, {}}, a::ping, {}, {}, {6, "Function.Ping", {}, {}}},
  };
}

// --- the files themselves ------------------------------------------------------------------

TEST(GobVectors, FilesHoldEverySectionAsWellFormedMessages) {
  for (const auto& rec : recordings) {
    SCOPED_TRACE(rec.file);
    auto sections = load(rec);
    ASSERT_EQ(sections.size(), 15u);  // 7 exchanges both ways, then the rust-aws-lambda stream
    for (int n = 1; n <= 7; ++n) {
      EXPECT_EQ(sections[2 * (n - 1)].number, n);
      EXPECT_TRUE(sections[2 * (n - 1)].host_to_fn);
      EXPECT_EQ(sections[2 * (n - 1) + 1].number, n);
      EXPECT_FALSE(sections[2 * (n - 1) + 1].host_to_fn);
    }
    EXPECT_EQ(sections.back().number, 0);
    EXPECT_TRUE(sections.back().host_to_fn);
    EXPECT_EQ(sections[0].messages.at(0).id, rec.first_id);  // Request is the first type
    EXPECT_EQ(sections[1].messages.at(0).id, rec.first_id);  // Response likewise
    for (const auto& s : sections) {
      for (const auto& m : s.messages) {
        SCOPED_TRACE("line " + std::to_string(m.line));
        gob::cursor c(m.bytes);
        auto length = c.read_uint();
        ASSERT_TRUE(length);
        EXPECT_EQ(*length, c.remaining());
        auto id = c.read_int();
        ASSERT_TRUE(id);
        EXPECT_EQ(*id, m.definition ? -m.id : m.id);
        EXPECT_GE(m.id, rec.first_id);
      }
    }
  }
}

// --- function side: server_conversation ----------------------------------------------------

TEST(GobVectors, ServerDecodesEveryCall) {
  for (const auto& rec : recordings) {
    SCOPED_TRACE(rec.file);
    auto sections = load(rec);
    server_conversation server;  // one conversation: the host defines its types once
    for (const auto& x : recorded_exchanges()) {
      SCOPED_TRACE("section " + std::to_string(x.section));
      server.feed(stream(sections, x.section, true));
      auto c = server.next();
      ASSERT_TRUE(c) << c.error().message();
      ASSERT_TRUE(*c);
      EXPECT_EQ(describe(**c), describe(x.want_call));
      auto none = server.next();
      ASSERT_TRUE(none) << none.error().message();
      EXPECT_FALSE(*none);
      EXPECT_EQ(server.buffered(), 0u);
    }
  }
}

TEST(GobVectors, ServerDecodesTheStreamByteByByte) {
  for (const auto& rec : recordings) {
    SCOPED_TRACE(rec.file);
    auto sections = load(rec);
    std::string all;
    for (int n = 1; n <= 7; ++n) all += stream(sections, n, true);
    server_conversation server;
    std::vector<std::string> got;
    for (char b : all) {
      server.feed(std::string_view(&b, 1));
      auto c = server.next();
      ASSERT_TRUE(c) << c.error().message();
      if (*c) got.push_back(describe(**c));
    }
    std::vector<std::string> want;
    for (const auto& x : recorded_exchanges()) want.push_back(describe(x.want_call));
    EXPECT_EQ(got, want);
    EXPECT_EQ(server.buffered(), 0u);
  }
}

TEST(GobVectors, ServerRepliesByteForByte) {
  for (const auto& rec : recordings) {
    SCOPED_TRACE(rec.file);
    auto sections = load(rec);
    server_conversation server(call_limits(), rec.first_id);
    for (const auto& x : recorded_exchanges()) {
      SCOPED_TRACE("section " + std::to_string(x.section));
      server.feed(stream(sections, x.section, true));
      auto c = server.next();
      ASSERT_TRUE(c) << c.error().message();
      ASSERT_TRUE(*c);
      std::string out;
      switch (x.how) {
        case exchange::answer::ping:
          server.reply_ping(**c, out);
          break;
        case exchange::answer::invoke:
          server.reply_invoke(**c, x.response, out);
          break;
        case exchange::answer::error:
          server.reply_error(**c, x.error_text, out);
          break;
        case exchange::answer::refusal:
          EXPECT_EQ((*c)->refusal, "rpc: can't find method Function.Nope");
          server.reply_error(**c, (*c)->refusal, out);
          break;
      }
      EXPECT_EQ(hex(out), hex(stream(sections, x.section, false)));
    }
  }
}

// --- host side: client_conversation --------------------------------------------------------

TEST(GobVectors, ClientCallsByteForByteAndDecodesEveryReply) {
  for (const auto& rec : recordings) {
    SCOPED_TRACE(rec.file);
    auto sections = load(rec);
    client_conversation client({}, rec.first_id);
    for (const auto& x : recorded_exchanges()) {
      SCOPED_TRACE("section " + std::to_string(x.section));
      std::string out;
      std::uint64_t seq = 0;
      switch (x.want_call.k) {
        case call::kind::ping:
          seq = client.call_ping(out);
          break;
        case call::kind::invoke:
          seq = client.call_invoke(x.want_call.invoke, out);
          break;
        case call::kind::refused:
          seq = client.call(x.want_call.method, out);
          break;
      }
      EXPECT_EQ(seq, x.want_call.seq);
      EXPECT_EQ(client.outstanding(), 1u);
      EXPECT_EQ(hex(out), hex(stream(sections, x.section, true)));

      client.feed(stream(sections, x.section, false));
      auto r = client.next();
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_TRUE(*r);
      EXPECT_EQ(describe(**r), describe(x.want_reply));
      auto none = client.next();
      ASSERT_TRUE(none) << none.error().message();
      EXPECT_FALSE(*none);
      EXPECT_EQ(client.outstanding(), 0u);
      EXPECT_EQ(client.buffered(), 0u);
    }
  }
}

TEST(GobVectors, ClientDecodesAllRepliesAtOnceAndByteByByte) {
  for (const auto& rec : recordings) {
    auto sections = load(rec);
    std::string replies;
    for (int n = 1; n <= 7; ++n) replies += stream(sections, n, false);
    std::vector<std::string> want;
    for (const auto& x : recorded_exchanges()) want.push_back(describe(x.want_reply));
    for (std::size_t step : {replies.size(), std::size_t{1}}) {
      SCOPED_TRACE(std::string(rec.file) + ", piece size " + std::to_string(step));
      client_conversation client({}, rec.first_id);
      std::string out;
      for (const auto& x : recorded_exchanges()) {
        if (x.want_call.k == call::kind::ping) client.call_ping(out);
        if (x.want_call.k == call::kind::invoke) client.call_invoke(x.want_call.invoke, out);
        if (x.want_call.k == call::kind::refused) client.call(x.want_call.method, out);
      }
      std::vector<std::string> got;
      for (std::size_t at = 0; at < replies.size(); at += step) {
        client.feed(std::string_view(replies).substr(at, step));
        for (;;) {
          auto r = client.next();
          ASSERT_TRUE(r) << r.error().message();
          if (!*r) break;
          got.push_back(describe(**r));
        }
      }
      EXPECT_EQ(got, want);
      EXPECT_EQ(client.outstanding(), 0u);
    }
  }
}

// --- the rust-aws-lambda decoder test stream ------------------------------------------------

invoke_request rust_request() {
  invoke_request r;
  r.payload = R"({"key3":"value3","key2":"value2","key1":"value1"})";
  r.request_id = "2ed80e4e-6196-11e8-876a-4f41bd893c42";
  r.trace_id = "Root=1-5b0a8415-1fbc1427bb8682516302a55e;Parent=10eac6ec42206c50;Sampled=0";
  r.deadline_seconds = recorded_seconds;
  r.deadline_nanos = recorded_nanos;
  r.function_arn = "arn:aws:lambda:ap-southeast-2:771316043039:function:testFnGo";
  return r;
}

TEST(GobVectors, RustAwsLambdaStream) {
  for (const auto& rec : recordings) {
    SCOPED_TRACE(rec.file);
    auto sections = load(rec);
    const vector_section* rust = rust_section(sections);
    ASSERT_NE(rust, nullptr);

    server_conversation server;  // a stream of its own: it defines its types again
    server.feed(rust->bytes());
    auto ping = server.next();
    ASSERT_TRUE(ping) << ping.error().message();
    ASSERT_TRUE(*ping);
    EXPECT_EQ(describe(**ping), describe(call{call::kind::ping, 0, "Function.Ping", {}, {}}));
    auto invoke = server.next();
    ASSERT_TRUE(invoke) << invoke.error().message();
    ASSERT_TRUE(*invoke);
    EXPECT_EQ(describe(**invoke),
              describe(call{call::kind::invoke, 1, "Function.Invoke", {}, rust_request()}));
    auto none = server.next();
    ASSERT_TRUE(none) << none.error().message();
    EXPECT_FALSE(*none);
    EXPECT_EQ(server.buffered(), 0u);

    // And a C++ host sends the same bytes.
    client_conversation client({}, rec.first_id);
    std::string out;
    client.call_ping(out);
    client.call_invoke(rust_request(), out);
    EXPECT_EQ(hex(out), hex(rust->bytes()));
  }
}

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
