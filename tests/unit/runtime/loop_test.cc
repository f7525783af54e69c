#include "runtime/loop.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "fake_api.h"
#include "runtime/runtime_api/runtime_client.h"
#include "wire/base64.h"

namespace lambdakit::runtime {
namespace {
using testing::fake_api;
using testing::next_response;

retry_policy fast_retry() {
  return retry_policy{.attempts = 3};
}

TEST(Loop, AnswersEachInvocationThenExitsOnContainerError) {
  fake_api api;
  api.invocations.push_back(next_response("a", "1"));
  api.invocations.push_back(next_response("b", "2"));
  runtime_client client(api);
  int rc = serve(
      client,
      handler([](const invocation& inv) { return response::json("[" + inv.payload + "]"); }), {});
  EXPECT_EQ(rc, exit_code::api_failed);
  auto a = api.posts_to("/invocation/a/response");
  auto b = api.posts_to("/invocation/b/response");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].body, "[1]");
  EXPECT_EQ(b[0].body, "[2]");
}

TEST(Loop, AThrowingHandlerBecomesAFunctionErrorAndTheLoopGoesOn) {
  fake_api api;
  api.invocations.push_back(next_response("a", "{}"));
  api.invocations.push_back(next_response("b", "{}"));
  runtime_client client(api);
  int n = 0;
  serve(client, handler([&](const invocation&) -> outcome {
          if (n++ == 0) throw std::out_of_range("index 7 of 3");
          return response::json("ok");
        }),
        {});
  auto err = api.posts_to("/invocation/a/error");
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].body,
            R"({"errorMessage":"index 7 of 3","errorType":"std::out_of_range","stackTrace":[]})");
  EXPECT_EQ(err[0].headers["lambda-runtime-function-error-type"], "std::out_of_range");
  EXPECT_EQ(api.posts_to("/invocation/b/response").size(), 1u);
}

TEST(Loop, SetsAndClearsTheTraceId) {
  fake_api api;
  api.invocations.push_back(
      next_response("a", "{}", "Lambda-Runtime-Trace-Id: Root=1-abc;Sampled=1\r\n"));
  api.invocations.push_back(next_response("b", "{}"));
  runtime_client client(api);
  std::vector<std::string> seen;
  ::setenv("_X_AMZN_TRACE_ID", "stale", 1);
  serve(client, handler([&](const invocation&) {
          const char* t = std::getenv("_X_AMZN_TRACE_ID");
          seen.push_back(t ? t : "(unset)");
          return response::json("{}");
        }),
        {});
  EXPECT_EQ(seen, (std::vector<std::string>{"Root=1-abc;Sampled=1", "(unset)"}));
}

TEST(Loop, InitFailureIsPostedAndEndsTheProcess) {
  fake_api api;
  api.invocations.push_back(next_response("a", "{}"));
  runtime_client client(api);
  bool called = false;
  run_options opts{.init = [] { throw std::runtime_error("config file missing"); }};
  int rc = serve(client, handler([&](const invocation&) {
                   called = true;
                   return response::json("{}");
                 }),
                 opts);
  EXPECT_EQ(rc, exit_code::init_failed);
  EXPECT_FALSE(called);
  auto init = api.posts_to("/runtime/init/error");
  ASSERT_EQ(init.size(), 1u);
  EXPECT_EQ(
      init[0].body,
      R"({"errorMessage":"config file missing","errorType":"std::runtime_error","stackTrace":[]})");
  EXPECT_EQ(api.requests.size(), 1u) << "no /next after a failed init";
}

TEST(Loop, InitRunsOnceBeforeTheFirstNext) {
  fake_api api;
  api.invocations.push_back(next_response("a", "{}"));
  runtime_client client(api);
  int inits = 0;
  std::size_t requests_at_init = 99;
  serve(client, handler([](const invocation&) { return response::json("{}"); }),
        run_options{.init = [&] {
          ++inits;
          requests_at_init = api.requests.size();
        }});
  EXPECT_EQ(inits, 1);
  EXPECT_EQ(requests_at_init, 0u);
}

TEST(Loop, RejectedPostsAreLoggedAndPollingGoesOn) {
  fake_api api;
  api.invocations.push_back(next_response("a", "{}"));
  api.invocations.push_back(next_response("b", "{}"));
  auto script = api.answer;
  api.answer = [&](const testing::recorded_request& r) {
    if (r.target.ends_with("/a/response")) return testing::http_response(413, "too large");
    return script(r);
  };
  runtime_client client(api);
  serve(client, handler([](const invocation&) { return response::json("{}"); }), {});
  EXPECT_EQ(api.posts_to("/invocation/b/response").size(), 1u);
}

TEST(Loop, StreamingHandlerChunksAndErrors) {
  fake_api api;
  api.invocations.push_back(next_response("ok", "{}"));
  api.invocations.push_back(next_response("mid", "{}"));
  api.invocations.push_back(next_response("early", "{}"));
  api.invocations.push_back(next_response("silent", "{}"));
  runtime_client client(api);
  serve(client, streaming_handler([](const invocation& inv, response_writer& out) {
          out.set_content_type("text/event-stream");
          if (inv.request_id == "early") throw std::logic_error("before any byte");
          if (inv.request_id == "silent") return;
          out.write("a");
          out.write("b");
          if (inv.request_id == "mid") throw std::runtime_error("after two");
        }),
        {});
  auto ok = api.posts_to("/invocation/ok/response");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].body, "ab");
  EXPECT_EQ(ok[0].headers["content-type"], "text/event-stream");
  EXPECT_TRUE(ok[0].trailers.empty());

  auto mid = api.posts_to("/invocation/mid/response");
  ASSERT_EQ(mid.size(), 1u);
  EXPECT_EQ(mid[0].body, "ab");
  EXPECT_EQ(mid[0].trailers["lambda-runtime-function-error-type"], "std::runtime_error");
  EXPECT_EQ(wire::base64::decode(mid[0].trailers["lambda-runtime-function-error-body"]),
            R"({"errorMessage":"after two","errorType":"std::runtime_error","stackTrace":[]})");

  EXPECT_EQ(api.posts_to("/invocation/early/response").size(), 0u);
  auto early = api.posts_to("/invocation/early/error");
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].headers["lambda-runtime-function-error-type"], "std::logic_error");

  auto silent = api.posts_to("/invocation/silent/response");
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0].body, "");
}

// The transport over a stream that fails at I/O step N, for every N: the loop must end (no
// hang, no crash) with a defined exit code. A failed connect or write is retried and loses
// nothing; a failed read after the server answered loses that one answer (as on Lambda, where
// the invocation then times out), so at most one invocation goes unserved.
TEST(Loop, SurvivesAFailureAtEveryIoStep) {
  auto scripted = [](fake_api& api) {
    for (const char* id : {"a", "b", "c"}) api.invocations.push_back(next_response(id, "{}"));
  };
  fake_api clean;  // count the steps of a clean run first
  scripted(clean);
  {
    runtime_client client(clean, fast_retry());
    serve(client, handler([](const invocation&) { return response::json("{}"); }), {});
  }
  ASSERT_EQ(clean.requests.size(), 7u);  // 3 × (/next + /response) + the final /next
  for (int n = 0; n < clean.steps; ++n) {
    SCOPED_TRACE("failing step " + std::to_string(n));
    fake_api api;
    scripted(api);
    api.fail_at = n;
    runtime_client client(api, fast_retry());
    int handled = 0;
    int rc = serve(client, handler([&](const invocation&) {
                     ++handled;
                     return response::json("{}");
                   }),
                   {});
    EXPECT_EQ(rc, exit_code::api_failed);
    EXPECT_GE(handled, 2);
    EXPECT_LE(api.requests.size(), clean.requests.size() + 1) << "one retry, no more";
    EXPECT_EQ(api.pauses.size(), 1u) << "exactly one backoff pause";
  }
}

}  // namespace
}  // namespace lambdakit::runtime
