// The stdio transports over real descriptors: the frame transport as a host sees it (hello,
// ready, answers, protocol errors), OpenWhisk's ActionLoop (ack, lines, results), and the
// choice of either from the environment.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "runtime/loop.h"
#include "runtime/runtime_api/runtime_error.h"
#include "runtime/stdio/actionloop_transport.h"
#include "runtime/stdio/frame_transport.h"
#include "runtime/transports.h"
#include "support/scoped_env.h"
#include "wire/stdio/frame.h"

namespace lambdakit::runtime {
namespace {
namespace stdio = wire::stdio;
using stdio::field;
using stdio::frame_type;

// The host's ends of two socketpairs; the function's ends go to the transport.
struct host_side {
  base::unique_fd to_child, from_child;  // host's ends
  base::unique_fd child_in, child_out;   // the function's ends (moved into the transport)
  stdio::frame_reader reader;

  host_side() {
    int a[2], b[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    to_child.reset(a[0]);
    child_in.reset(a[1]);
    from_child.reset(b[0]);
    child_out.reset(b[1]);
  }

  void send(const std::string& bytes) const {
    ASSERT_EQ(::write(to_child.get(), bytes.data(), bytes.size()),
              static_cast<ssize_t>(bytes.size()));
  }

  void send_invoke(const std::string& id, const std::string& payload) const {
    std::string out;
    stdio::frame_writer w(out, frame_type::invoke);
    auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
        (std::chrono::system_clock::now() + std::chrono::seconds(3)).time_since_epoch());
    w.add(field::request_id, id)
        .add(field::deadline_ms, static_cast<std::uint64_t>(deadline.count()))
        .add(field::function_arn, "arn:aws:lambda:us-east-1:000000000000:function:f")
        .add(field::trace_id, "Root=1-2-3")
        .add(field::payload, payload);
    ASSERT_TRUE(w.finish());
    send(out);
  }

  stdio::frame read() {
    char buf[65536];
    while (true) {
      auto f = reader.next();
      EXPECT_TRUE(f) << f.error().message();
      if (!f) return {};
      if (*f) return std::move(**f);
      ssize_t n = ::read(from_child.get(), buf, sizeof buf);
      EXPECT_GT(n, 0);
      if (n <= 0) return {};
      reader.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
  }
};

std::unique_ptr<frame_transport> open_transport(host_side& h) {
  auto t = frame_transport::open(std::move(h.child_in), std::move(h.child_out));
  EXPECT_TRUE(t) << t.error().message();
  return std::move(t).value();
}

TEST(StdioTransport, HelloThenReadyThenOneAnswerPerInvoke) {
  host_side h;
  auto t = open_transport(h);
  auto hello = h.read();
  EXPECT_EQ(hello.type, frame_type::hello);
  EXPECT_EQ(hello.get(field::version), "1");
  EXPECT_EQ(hello.get(field::pid), std::to_string(::getpid()));
  EXPECT_FALSE(hello.get(field::lambdakit_version).empty());

  h.send_invoke("req-1", std::string("{\"a\":\0}", 7));
  auto inv = t->next();
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(h.read().type, frame_type::ready);
  EXPECT_EQ(inv->request_id, "req-1");
  EXPECT_EQ(inv->payload, std::string("{\"a\":\0}", 7));
  EXPECT_EQ(inv->xray_trace_id, "Root=1-2-3");
  EXPECT_EQ(inv->function_arn, "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_GT(inv->remaining_time().count(), 2000);
  EXPECT_LE(inv->remaining_time().count(), 3000);

  ASSERT_TRUE(t->post_response("req-1", response::text("hi")));
  auto r = h.read();
  EXPECT_EQ(r.type, frame_type::response);
  EXPECT_EQ(r.get(field::request_id), "req-1");
  EXPECT_EQ(r.get(field::payload), "hi");
  EXPECT_EQ(r.get(field::content_type), "text/plain; charset=utf-8");

  h.send_invoke("req-2", "{}");
  ASSERT_TRUE(t->next());
  ASSERT_TRUE(t->post_error("req-2", {"app.Bad", "no", {"f1", "f2"}}));
  auto e = h.read();
  EXPECT_EQ(e.type, frame_type::error);
  EXPECT_EQ(e.get(field::error_type), "app.Bad");
  EXPECT_EQ(e.get(field::error_message), "no");
  EXPECT_EQ(e.all(field::stack_frame), (std::vector<std::string_view>{"f1", "f2"}));
}

TEST(StdioTransport, StreamsAreFramedChunkByChunk) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  h.send_invoke("s", "{}");
  ASSERT_TRUE(t->next());
  (void)h.read();
  ASSERT_TRUE(t->stream_begin("s", "text/plain"));
  ASSERT_TRUE(t->stream_write("one "));
  ASSERT_TRUE(t->stream_write("two"));
  function_error late{"Late", "after a write", {}};
  ASSERT_TRUE(t->stream_end(&late));
  EXPECT_EQ(h.read().type, frame_type::stream_begin);
  EXPECT_EQ(h.read().get(field::payload), "one ");
  EXPECT_EQ(h.read().get(field::payload), "two");
  auto end = h.read();
  EXPECT_EQ(end.type, frame_type::stream_end);
  EXPECT_EQ(end.get(field::error_type), "Late");
}

TEST(StdioTransport, InitErrorsGoInsteadOfReady) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  ASSERT_TRUE(t->post_init_error({"app.ConfigError", "DATABASE_URL is not set", {}}));
  auto f = h.read();
  EXPECT_EQ(f.type, frame_type::init_error);
  EXPECT_EQ(f.get(field::error_message), "DATABASE_URL is not set");
}

TEST(StdioTransport, GarbageFromTheHostIsAFatalProtocolErrorThatTheHostIsTold) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  h.send("GET / HTTP/1.1\r\n\r\n");
  auto inv = t->next();
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().code, errc::protocol_error);
  EXPECT_TRUE(t->is_fatal(inv.error()));
  (void)h.read();  // ready
  auto p = h.read();
  EXPECT_EQ(p.type, frame_type::protocol_error);
  EXPECT_NE(p.get(field::message).find("not lambdakit stdio frames"), std::string_view::npos);
}

TEST(StdioTransport, AFrameThatIsNotAnInvokeIsRefused) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  std::string out;
  stdio::frame_writer w(out, frame_type::response);
  ASSERT_TRUE(w.finish());
  h.send(out);
  auto inv = t->next();
  ASSERT_FALSE(inv);
  EXPECT_NE(inv.error().detail.find("a response frame where an invoke belongs"), std::string::npos);
}

TEST(StdioTransport, TheHostClosingEndsTheLoopAndSaysWhetherMidFrame) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  h.send(std::string("LK\x02\x00\x00\x00\x01\x00", 8));  // announces 256 bytes, sends none
  h.to_child.reset();
  auto inv = t->next();
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().code, errc::api_unreachable);
  EXPECT_NE(inv.error().detail.find("in the middle of a frame (8 bytes unread)"),
            std::string::npos);
}

TEST(StdioTransport, AResponseOverTheLimitBecomesLambdasSizeError) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  h.send_invoke("big", "{}");
  ASSERT_TRUE(t->next());
  (void)h.read();
  std::string body(stdio::max_body, 'x');
  auto r = t->post_response("big", response::json(body));
  EXPECT_FALSE(r);
  auto e = h.read();
  EXPECT_EQ(e.type, frame_type::error);
  EXPECT_EQ(e.get(field::error_type), "Function.ResponseSizeTooLarge");
  EXPECT_EQ(e.get(field::request_id), "big");
}

TEST(StdioTransport, TheLoopServesOverIt) {
  host_side h;
  auto t = open_transport(h);
  (void)h.read();
  h.send_invoke("a", "\"x\"");
  h.send_invoke("b", "\"y\"");
  h.to_child.reset();  // after two invokes the host is gone: the loop must end
  int rc = serve(*t, [](const invocation& inv) { return response::json(inv.payload); }, {});
  EXPECT_EQ(rc, exit_code::api_failed);
  EXPECT_EQ(h.read().type, frame_type::ready);
  EXPECT_EQ(h.read().get(field::payload), "\"x\"");
  EXPECT_EQ(h.read().get(field::payload), "\"y\"");
}

// --- OpenWhisk ActionLoop ---------------------------------------------------------------

struct proxy_side {
  base::unique_fd stdin_w, fd3_r;  // the proxy's ends
  base::unique_fd stdin_r, fd3_w;  // the action's ends
  std::string got;

  proxy_side() {
    int in[2], out[2];
    EXPECT_EQ(::pipe(in), 0);
    EXPECT_EQ(::pipe(out), 0);
    stdin_r.reset(in[0]);
    stdin_w.reset(in[1]);
    fd3_r.reset(out[0]);
    fd3_w.reset(out[1]);
  }
  void send(const std::string& line) const {
    ASSERT_EQ(::write(stdin_w.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }
  std::string line() {
    char c;
    std::string out;
    while (::read(fd3_r.get(), &c, 1) == 1 && c != '\n') out += c;
    return out;
  }
};

TEST(ActionLoop, AckThenOneResultLinePerActivation) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), true);
  p.send(
      R"({"value":{"name":"x"},"namespace":"guest","action_name":"hello","activation_id":"a1","transaction_id":"t1","deadline":"4102444800000","api_key":"k"})"
      "\n");
  auto inv = t.next();
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(p.line(), R"({"ok":true})");
  EXPECT_EQ(inv->payload, R"({"name":"x"})");
  EXPECT_EQ(inv->request_id, "a1");
  EXPECT_EQ(inv->function_arn, "hello");
  EXPECT_GT(inv->remaining_time().count(), 0);
  EXPECT_STREQ(std::getenv("__OW_ACTIVATION_ID"), "a1");
  EXPECT_STREQ(std::getenv("__OW_NAMESPACE"), "guest");
  ASSERT_TRUE(t.post_response("a1", response::json("{\n  \"greeting\": \"hi\"\n}")));
  EXPECT_EQ(p.line(), R"({   "greeting": "hi" })");

  p.send(R"({"value":[1,2],"activation_id":"a2","deadline":4102444800000})"
         "\n");
  inv = t.next();
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->payload, "[1,2]");
  EXPECT_GT(inv->remaining_time().count(), 0);
  ASSERT_TRUE(t.post_error("a2", {"app.Bad", "no", {"f"}}));
  EXPECT_EQ(p.line(),
            R"({"error":{"errorType":"app.Bad","errorMessage":"no","stackTrace":["f"]}})");
}

TEST(ActionLoop, AResultThatIsNotAJsonObjectIsAnError) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), false);
  p.send(R"({"value":{},"activation_id":"a"})"
         "\n");
  ASSERT_TRUE(t.next());
  ASSERT_TRUE(t.post_response("a", response::text("plain words")));
  std::string l = p.line();
  EXPECT_NE(l.find(R"("errorType":"ResultNotJSONObject")"), std::string::npos) << l;
  p.send(R"({"value":{},"activation_id":"b"})"
         "\n");
  ASSERT_TRUE(t.next());
  ASSERT_TRUE(t.post_response("b", response::json("{\"a\":")));
  EXPECT_NE(p.line().find("ResultNotJSONObject"), std::string::npos);
}

TEST(ActionLoop, ALineThatIsNotAnObjectIsAnsweredAndTheNextServed) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), false);
  p.send("not json\n");
  p.send(R"({"value":{"ok":1},"activation_id":"c"})"
         "\n");
  auto inv = t.next();
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->request_id, "c");
  EXPECT_NE(p.line().find("BadActivation"), std::string::npos);
}

TEST(ActionLoop, ALineOverTheLimitIsAnsweredWithoutBeingKept) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), false);
  std::thread writer([&] {
    std::string big = R"({"value":")" + std::string(actionloop_transport::max_line, 'v') + "\"}\n";
    p.send(big);
    p.send(R"({"value":{},"activation_id":"after"})"
           "\n");
  });
  auto inv = t.next();
  writer.join();
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(inv->request_id, "after");
  EXPECT_NE(p.line().find("ActivationTooLarge"), std::string::npos);
}

TEST(ActionLoop, DeadlinesOutOfRangeAreNoDeadline) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), false);
  p.send(R"({"value":{},"activation_id":"a","deadline":1e300})"
         "\n");
  auto inv = t.next();
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->deadline, std::chrono::system_clock::time_point{});
  p.send(R"({"value":{},"activation_id":"b","deadline":"99999999999999999999"})"
         "\n");
  inv = t.next();
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->deadline, std::chrono::system_clock::time_point{});
}

TEST(ActionLoop, InitErrorsSayOkFalseWhenTheProxyWaitsForTheAck) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), true);
  ASSERT_TRUE(t.post_init_error({"app.ConfigError", "no database", {}}));
  EXPECT_EQ(p.line(), R"({"ok":false})");
}

TEST(ActionLoop, StdinClosingEndsTheLoop) {
  proxy_side p;
  actionloop_transport t(std::move(p.stdin_r), std::move(p.fd3_w), false);
  p.stdin_w.reset();
  auto inv = t.next();
  ASSERT_FALSE(inv);
  EXPECT_TRUE(t.is_fatal(inv.error()));
}

// --- choosing them ------------------------------------------------------------------------

// Puts a socketpair's end on descriptors 3 and 4 for the test, restoring what was there.
struct on_fds_3_and_4 {
  int saved[2] = {-1, -1};
  base::unique_fd peer[2];
  on_fds_3_and_4() {
    for (int i = 0; i < 2; ++i) {
      saved[i] = ::fcntl(3 + i, F_DUPFD_CLOEXEC, 10);
      int sv[2];
      EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
      // Both ends above 10 first: socketpair may have handed out 3 or 4 itself.
      int mine = ::fcntl(sv[0], F_DUPFD_CLOEXEC, 10);
      peer[i].reset(::fcntl(sv[1], F_DUPFD_CLOEXEC, 10));
      ::close(sv[0]);
      ::close(sv[1]);
      ::dup2(mine, 3 + i);
      ::close(mine);
    }
  }
  ~on_fds_3_and_4() {
    for (int i = 0; i < 2; ++i) {
      if (saved[i] >= 0) {
        ::dup2(saved[i], 3 + i);
        ::close(saved[i]);
      } else {
        ::close(3 + i);
      }
    }
  }
};

TEST(StdioTransport, TheStdioMarkerWinsOverTheRuntimeApiTheHostInherited) {
  on_fds_3_and_4 fds;
  testing::scoped_env api("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
  testing::scoped_env marker("LAMBDAKIT_STDIO", "1");
  auto t = transport_from_environment();
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_NE(dynamic_cast<frame_transport*>(t->get()), nullptr);
  EXPECT_EQ(std::getenv("LAMBDAKIT_STDIO"), nullptr) << "the handler's children must not see it";
  t->reset();
}

TEST(StdioTransport, AnUnusableMarkerIsNamed) {
  testing::scoped_env marker("LAMBDAKIT_STDIO", "yes");
  auto t = transport_from_environment();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, std::errc::invalid_argument);
  EXPECT_NE(t.error().detail.find("LAMBDAKIT_STDIO is \"yes\""), std::string::npos);
}

TEST(StdioTransport, NoStartUpVariableNamesTheStdioHostAndOpenWhiskToo) {
  testing::scoped_env api("AWS_LAMBDA_RUNTIME_API", std::nullopt);
  testing::scoped_env port("_LAMBDA_SERVER_PORT", std::nullopt);
  testing::scoped_env marker("LAMBDAKIT_STDIO", std::nullopt);
  testing::scoped_env ow("__OW_PROXY_VERSION", std::nullopt);
  auto t = transport_from_environment();
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("nodejs22.x"), std::string::npos);
  EXPECT_NE(t.error().detail.find("OpenWhisk"), std::string::npos);
}

}  // namespace
}  // namespace lambdakit::runtime
