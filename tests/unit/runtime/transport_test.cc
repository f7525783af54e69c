// The loop over the transport seam with a transport that is not HTTP at all (as go1.x and stdio
// will be), and run()'s choice of transport from the environment.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/loop.h"
#include "runtime/runtime_api/runtime_client.h"
#include "runtime/transports.h"

namespace lambdakit::runtime {
namespace {

// Records every call; next() hands out `events`, then fails fatally.
class recording_transport final : public transport {
 public:
  std::deque<invocation> events;
  std::vector<std::string> calls;
  int fail_posts = 0;         // the next N posts fail...
  bool fail_fatally = false;  // ...with an error is_fatal() calls fatal

  result<invocation> next() override {
    calls.push_back("next");
    if (events.empty()) return make_failure(std::make_error_code(std::errc::broken_pipe), "gone");
    invocation inv = std::move(events.front());
    events.pop_front();
    return inv;
  }
  result<void> post_response(std::string_view id, const response& r) override {
    return record("response " + std::string(id) + " " + r.body());
  }
  result<void> post_error(std::string_view id, const function_error& e) override {
    return record("error " + std::string(id) + " " + e.type + ": " + e.message);
  }
  result<void> post_init_error(const function_error& e) override {
    return record("init_error " + e.type);
  }
  result<void> stream_begin(std::string_view id, std::string_view type) override {
    return record("begin " + std::string(id) + " " + std::string(type));
  }
  result<void> stream_write(std::string_view chunk) override {
    return record("write " + std::string(chunk));
  }
  result<void> stream_end(const function_error* e) override {
    return record(e == nullptr ? "end" : "end " + e->type);
  }
  bool is_fatal(const failure& f) const override { return f.code == std::errc::connection_aborted; }

 private:
  result<void> record(std::string call) {
    calls.push_back(std::move(call));
    if (fail_posts > 0) {
      --fail_posts;
      return make_failure(std::make_error_code(fail_fatally ? std::errc::connection_aborted
                                                            : std::errc::invalid_argument),
                          "refused");
    }
    return {};
  }
};

invocation event(std::string id, std::string payload) {
  invocation inv;
  inv.request_id = std::move(id);
  inv.payload = std::move(payload);
  return inv;
}

TEST(Transport, TheLoopAnswersEachEventThroughWhateverTransportDeliveredIt) {
  recording_transport t;
  t.events = {event("a", "1"), event("b", "2")};
  int rc = serve(t, handler([](const invocation& inv) -> outcome {
                   if (inv.payload == "2") throw std::runtime_error("two");
                   return response::json("[" + inv.payload + "]");
                 }),
                 {});
  EXPECT_EQ(rc, exit_code::api_failed);
  EXPECT_EQ(t.calls, (std::vector<std::string>{"next", "response a [1]", "next",
                                               "error b std::runtime_error: two", "next"}));
}

TEST(Transport, ARefusedPostIsLoggedAndTheLoopGoesOnUnlessTheTransportCallsItFatal) {
  for (bool fatal : {false, true}) {
    recording_transport t;
    t.events = {event("a", "1"), event("b", "2")};
    t.fail_posts = 1;
    t.fail_fatally = fatal;
    int rc = serve(t, handler([](const invocation&) { return response::json("{}"); }), {});
    EXPECT_EQ(rc, exit_code::api_failed);
    std::vector<std::string> expected = {"next", "response a {}"};
    if (!fatal) expected.insert(expected.end(), {"next", "response b {}", "next"});
    EXPECT_EQ(t.calls, expected) << "fatal=" << fatal;
  }
}

TEST(Transport, StreamingAndInitErrorsGoThroughTheSeam) {
  recording_transport t;
  t.events = {event("a", ""), event("b", "")};
  int n = 0;
  serve(t, streaming_handler([&](const invocation&, response_writer& w) {
          w.set_content_type("text/plain");
          w.write("x");
          if (n++ == 1) throw std::logic_error("late");
        }),
        {});
  EXPECT_EQ(t.calls, (std::vector<std::string>{"next", "begin a text/plain", "write x", "end",
                                               "next", "begin b text/plain", "write x",
                                               "end std::logic_error", "next"}));

  recording_transport init;
  int rc = serve(init, handler([](const invocation&) { return response::json("{}"); }),
                 {.init = [] { throw std::invalid_argument("no config"); }});
  EXPECT_EQ(rc, exit_code::init_failed);
  EXPECT_EQ(init.calls, (std::vector<std::string>{"init_error std::invalid_argument"}));
}

// Sets or unsets an environment variable for one test.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~scoped_env() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(Transport, NoStartUpVariableNamesEveryWayToStartTheBinary) {
  scoped_env api("AWS_LAMBDA_RUNTIME_API", nullptr);
  auto t = transport_from_environment();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, std::errc::no_such_device_or_address);
  EXPECT_NE(t.error().detail.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos);
  EXPECT_NE(t.error().detail.find("provided.al2023"), std::string::npos);
  EXPECT_NE(t.error().detail.find("lambdakit serve"), std::string::npos);
}

TEST(Transport, AnUnusableVariableIsNamedWithTheExpectedForm) {
  scoped_env api("AWS_LAMBDA_RUNTIME_API", "http://127.0.0.1:9001");
  auto t = transport_from_environment();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, std::errc::invalid_argument);
  EXPECT_NE(t.error().detail.find("expected host:port"), std::string::npos);
}

TEST(Transport, TheRuntimeApiIsChosenWhenItsVariableIsSet) {
  scoped_env api("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
  auto t = transport_from_environment();
  ASSERT_TRUE(t) << t.error().message();
  auto* client = dynamic_cast<runtime_client*>(t->get());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->authority(), "127.0.0.1:9001");
}

}  // namespace
}  // namespace lambdakit::runtime
