// The recorded go1.x vectors (tests/data/go1x-vectors.txt: Go 1.19, first user type id 65;
// go1x-vectors-go1.21.txt: Go >= 1.21, first id 64), both ways: every host->fn section decoded by
// one server_conversation (type definitions are sent once per stream) into the calls the
// recording made; the function's replies re-encoded by a server_conversation and the host's
// calls by a client_conversation, byte for byte against the recording; the function's replies
// decoded by the client; the rust-aws-lambda decoder test stream. Round trips are in
// gob_round_trip_test.cc.
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

#include "support/go1x_samples.h"
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
using namespace samples;  // NOLINT(google-build-using-namespace)

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

}  // namespace
}  // namespace lambdakit::wire::go1x
