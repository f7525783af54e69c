// The execution environment's lifecycle against the in-memory OS (fake_os.h): cold start, warm
// reuse, freeze and thaw, the Init limit and its retry inside the invoke, the invoke timeout,
// crashes, init errors, launch errors, and a failure injected at every step.
#include "platform/env/environment.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "fake_os.h"
#include "support/temp_dir.h"

namespace lambdakit::platform::env {
namespace {
using lambdakit::testing::temp_dir;
using lambdakit::testing::write_executable;
using testing::fake_os;
using testing::fake_runtime;

function_config hello_function() {
  function_config fn;
  fn.name = "hello";
  fn.runtime = "provided.al2023";
  fn.handler = "bootstrap";
  fn.timeout_s = 3;
  fn.memory_mb = 128;
  fn.revision_id = "rev-1";
  return fn;
}

invoke_request request(const std::string& id) {
  invoke_request r;
  r.request_id = id;
  r.payload = "{}";
  r.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:hello";
  return r;
}

std::string error_type(const invoke_outcome& o) {
  auto at = o.body.find("\"errorType\":\"");
  if (at == std::string::npos) return {};
  at += 13;
  return o.body.substr(at, o.body.find('"', at) - at);
}

std::string error_message(const invoke_outcome& o) {
  auto at = o.body.find("\"errorMessage\":\"");
  if (at == std::string::npos) return {};
  at += 16;
  return o.body.substr(at, o.body.find('"', at) - at);
}

struct harness {
  explicit harness(function_config fn = hello_function(), bool with_bootstrap = true) {
    if (with_bootstrap) write_executable(dir / "task/bootstrap", "#!/bin/sh\n");
    std::filesystem::create_directories(dir / "task");
    environment_options o;
    o.id = "hello-1";
    o.fn = std::move(fn);
    o.task_root = dir / "task";
    o.tmp_dir = dir / "tmp";
    o.os = &os;
    o.on_log = [this](const std::string&, std::string_view line) { logs.emplace_back(line); };
    env = std::make_unique<environment>(io, std::move(o));
  }

  void invoke(const std::string& id) {
    env->invoke(request(id), [this](invoke_outcome o) { outcomes.push_back(std::move(o)); });
  }
  channel_events& events() { return os.channel().events; }
  // The runtime takes `init` to start, is handed the event, and answers after `work`.
  void serve_one(std::chrono::milliseconds init, std::chrono::milliseconds work,
                 std::string body = "ok") {
    os.advance(init);
    events().ready();
    events().delivered();
    os.advance(work);
    events().answered({invoke_status::success, std::move(body), "application/json"});
    os.run_posted();
  }
  bool logged(std::string_view needle) const {
    for (const auto& l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }

  boost::asio::io_context io;  // unused: the fake OS stands in for it
  fake_os os;
  temp_dir dir;
  std::vector<std::string> logs;
  std::vector<invoke_outcome> outcomes;
  std::unique_ptr<environment> env;
};

TEST(Environment, ColdStartThenWarmInvokeThroughTheChannel) {
  harness h;
  h.invoke("a");
  ASSERT_EQ(h.os.runtimes.size(), 1u);
  const runtime_start& start = h.os.runtime().start;
  EXPECT_EQ(start.spec.argv, (std::vector<std::string>{(h.dir / "task/bootstrap").string()}));
  EXPECT_EQ(start.memory_bytes, 128 * 1024 * 1024);
  EXPECT_FALSE(start.sandboxed);
  auto has_var = [&](const std::string& kv) {
    return std::find(start.spec.env.begin(), start.spec.env.end(), kv) != start.spec.env.end();
  };
  EXPECT_TRUE(has_var("FAKE_CHANNEL=here")) << "the channel's variables reach the runtime";
  EXPECT_TRUE(has_var("AWS_LAMBDA_FUNCTION_NAME=hello"));
  EXPECT_EQ(h.os.channel().starts, 1);
  ASSERT_EQ(h.os.channel().delivered.size(), 1u);
  EXPECT_EQ(h.os.channel().delivered[0].request_id, "a");
  EXPECT_TRUE(h.env->busy());

  h.serve_one(std::chrono::milliseconds(40), std::chrono::milliseconds(7), "first");
  ASSERT_EQ(h.outcomes.size(), 1u);
  const invoke_outcome& cold = h.outcomes[0];
  EXPECT_EQ(cold.status, invoke_status::success);
  EXPECT_EQ(cold.body, "first");
  EXPECT_TRUE(cold.cold);
  EXPECT_FALSE(cold.reset);
  EXPECT_DOUBLE_EQ(cold.init_ms, 40.0);
  EXPECT_DOUBLE_EQ(cold.invoke_ms, 7.0);
  EXPECT_FALSE(h.env->busy());

  h.events().idle();  // the runtime waits for work: frozen
  EXPECT_EQ(h.os.runtime().freezes, 1);
  h.invoke("b");
  EXPECT_EQ(h.os.runtime().thaws, 1);
  EXPECT_EQ(h.os.runtimes.size(), 1u) << "warm: no new runtime";
  ASSERT_EQ(h.os.channel().delivered.size(), 2u);
  EXPECT_EQ(h.os.channel().delivered[1].request_id, "b");
  h.events().delivered();
  h.os.advance(std::chrono::milliseconds(2));
  h.events().answered({invoke_status::function_error, R"({"errorType":"E"})", "application/json"});
  h.os.run_posted();
  ASSERT_EQ(h.outcomes.size(), 2u);
  EXPECT_FALSE(h.outcomes[1].cold);
  EXPECT_EQ(h.outcomes[1].status, invoke_status::function_error);
  EXPECT_DOUBLE_EQ(h.outcomes[1].init_ms, 0.0);
  EXPECT_FALSE(h.env->dead());
}

TEST(Environment, MaxMemoryUsedComesFromTheLimitElseFromTheProcess) {
  harness h;
  h.os.peak_bytes = 50 * 1024 * 1024 + 1;
  h.invoke("a");
  h.serve_one(std::chrono::milliseconds(1), std::chrono::milliseconds(1));
  EXPECT_EQ(h.outcomes.at(0).max_memory_mb, 51);
  EXPECT_EQ(h.os.limits.at(0)->attached, std::vector<pid_t>{h.os.runtime().pid});

  harness unlimited;
  unlimited.os.limit_fails = true;
  unlimited.invoke("a");
  unlimited.serve_one(std::chrono::milliseconds(1), std::chrono::milliseconds(1));
  EXPECT_EQ(unlimited.outcomes.at(0).status, invoke_status::success);
  EXPECT_EQ(unlimited.outcomes.at(0).max_memory_mb, 3) << "VmHWM of the process";
  EXPECT_TRUE(unlimited.logged("lambdakit: memory limit not applied: no cgroup here"));
}

TEST(Environment, AnInvokePastTheTimeoutResetsTheEnvironment) {
  auto fn = hello_function();
  fn.timeout_s = 2;
  harness h(fn);
  h.invoke("a");
  h.os.advance(std::chrono::milliseconds(5));
  h.events().ready();
  h.events().delivered();
  h.os.advance(std::chrono::milliseconds(1999));
  EXPECT_TRUE(h.outcomes.empty()) << "not before the timeout";
  h.os.advance(std::chrono::milliseconds(1));
  h.os.run_posted();
  ASSERT_EQ(h.outcomes.size(), 1u);
  const auto& o = h.outcomes[0];
  EXPECT_EQ(o.status, invoke_status::timeout);
  EXPECT_EQ(error_type(o), "Sandbox.Timedout");
  EXPECT_EQ(error_message(o), "RequestId: a Error: Task timed out after 2.00 seconds");
  EXPECT_TRUE(o.reset);
  EXPECT_TRUE(h.env->dead());
  EXPECT_GE(h.os.runtime().kills, 1);
  EXPECT_TRUE(h.os.runtime().destroyed);
  EXPECT_GE(h.os.channel().closes, 1);
  EXPECT_FALSE(h.os.timer_armed());
}

TEST(Environment, AnInitPastTheLimitIsRetriedInsideTheInvokeUnderItsTimeout) {
  harness h;  // init limit 10 s (Lambda's), timeout 3 s
  h.invoke("a");
  h.os.advance(std::chrono::milliseconds(10000));
  ASSERT_EQ(h.os.runtimes.size(), 2u) << "Init restarted";
  EXPECT_GE(h.os.runtime(0).kills, 1);
  EXPECT_TRUE(h.os.runtime(0).destroyed);
  EXPECT_EQ(h.os.channel().starts, 2);
  ASSERT_EQ(h.os.channel().delivered.size(), 2u) << "the event is offered to the new runtime";
  EXPECT_TRUE(h.logged("init did not finish within 10000 ms; retrying it inside the invoke"));
  EXPECT_TRUE(h.outcomes.empty());
  // Now the function's timeout covers Init and the invoke together.
  h.os.advance(std::chrono::milliseconds(3000));
  h.os.run_posted();
  ASSERT_EQ(h.outcomes.size(), 1u);
  EXPECT_EQ(h.outcomes[0].status, invoke_status::timeout);
  EXPECT_EQ(h.os.runtimes.size(), 2u) << "retried once, not again";
}

struct ending_case {
  const char* name;
  bool in_init;            // the runtime ends before asking for work
  bool posted_init_error;  // it posted /init/error first
  int wait_status;
  const char* launch_error;  // what the launcher reported
  invoke_status status;
  const char* type;
  const char* message;  // empty: not checked (the body is the runtime's own)
};

TEST(Environment, HowARuntimeEndsDecidesWhatTheCallerSees) {
  const ending_case cases[] = {
      {"crash mid-invoke", false, false, fake_runtime::exited(3), "", invoke_status::crash,
       "Runtime.ExitError", "RequestId: a Error: Runtime exited with error: exit status 3"},
      {"killed mid-invoke", false, false, fake_runtime::killed(), "", invoke_status::crash,
       "Runtime.ExitError", "RequestId: a Error: Runtime exited with error: signal: killed"},
      {"exit during init", true, false, fake_runtime::exited(1), "", invoke_status::init_error,
       "Runtime.ExitError", "RequestId: a Error: Runtime exited with error: exit status 1"},
      {"exit 127 is not a launch error", true, false, fake_runtime::exited(127), "",
       invoke_status::init_error, "Runtime.ExitError",
       "RequestId: a Error: Runtime exited with error: exit status 127"},
      {"launch error", true, false, fake_runtime::exited(127),
       "exec: cannot start /var/task/bootstrap: Permission denied",
       invoke_status::invalid_entrypoint, "Runtime.InvalidEntrypoint",
       "RequestId: a Error: cannot start /var/task/bootstrap: Permission denied"},
      {"init error then exit", true, true, fake_runtime::exited(1), "", invoke_status::init_error,
       "Init.Failed", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    harness h;
    h.invoke("a");
    if (c.posted_init_error) h.events().init_error(R"({"errorType":"Init.Failed"})");
    if (!c.in_init) {
      h.events().ready();
      h.events().delivered();
    }
    h.os.runtime().end(c.wait_status, c.launch_error);
    h.os.run_posted();
    ASSERT_EQ(h.outcomes.size(), 1u);
    const auto& o = h.outcomes[0];
    EXPECT_EQ(o.status, c.status);
    EXPECT_EQ(error_type(o), c.type);
    if (*c.message != '\0') {
      EXPECT_EQ(error_message(o), c.message);
    }
    EXPECT_TRUE(o.reset);
    EXPECT_TRUE(h.env->dead());
    EXPECT_FALSE(h.os.timer_armed());
  }
}

TEST(Environment, FailuresBeforeTheRuntimeRunsEndTheInvokeAtOnce) {
  {
    harness h(hello_function(), /*with_bootstrap=*/false);
    h.invoke("a");
    h.os.run_posted();
    ASSERT_EQ(h.outcomes.size(), 1u);
    EXPECT_EQ(error_type(h.outcomes[0]), "Runtime.InvalidEntrypoint");
    EXPECT_EQ(error_message(h.outcomes[0]),
              "RequestId: a Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap "
              "/opt/bootstrap]");
    EXPECT_TRUE(h.os.runtimes.empty());
  }
  {
    harness h;
    h.os.start_fails = make_failure({ENOENT, std::system_category()}, "starting bootstrap");
    h.invoke("a");
    h.os.run_posted();
    ASSERT_EQ(h.outcomes.size(), 1u);
    EXPECT_EQ(h.outcomes[0].status, invoke_status::invalid_entrypoint);
    EXPECT_NE(error_message(h.outcomes[0]).find("starting bootstrap"), std::string::npos);
    EXPECT_TRUE(h.env->dead());
  }
  {
    harness h;
    h.os.channel_open_fails =
        make_failure(std::make_error_code(std::errc::address_in_use), "listening");
    h.invoke("a");
    h.os.run_posted();
    ASSERT_EQ(h.outcomes.size(), 1u);
    EXPECT_EQ(h.outcomes[0].status, invoke_status::init_error);
    EXPECT_EQ(error_type(h.outcomes[0]), "Runtime.Unavailable");
    EXPECT_TRUE(h.os.runtimes.empty()) << "no runtime without a channel to talk to";
  }
}

TEST(Environment, ARuntimeThatExitsWhileIdleEndsItsEnvironment) {
  harness h;
  h.invoke("a");
  h.serve_one(std::chrono::milliseconds(1), std::chrono::milliseconds(1));
  ASSERT_EQ(h.outcomes.size(), 1u);
  h.os.runtime().end(fake_runtime::exited(0));
  EXPECT_TRUE(h.env->dead());
  EXPECT_TRUE(h.logged("lambdakit: runtime exited while idle: exit status 0"));
  EXPECT_EQ(h.os.channel().closes, 1);
  EXPECT_EQ(h.outcomes.size(), 1u) << "no invoke was in flight: nothing more to answer";
}

TEST(Environment, OutputBecomesLogLinesAndTheInvokesLogTail) {
  harness h;
  h.invoke("a");
  h.os.runtime().print("starting\npart");
  h.os.runtime().print("ial line\n");
  h.serve_one(std::chrono::milliseconds(1), std::chrono::milliseconds(1));
  EXPECT_TRUE(h.logged("starting"));
  EXPECT_TRUE(h.logged("partial line"));
  EXPECT_EQ(h.outcomes.at(0).log, "starting\npartial line\n");
}

TEST(Environment, FailureAtEveryStepEndsExactlyOnceAndLeavesNothingRunning) {
  // Each step of a cold invoke where something can go wrong, failed in turn.
  enum step { start, exit_in_init, init_timeout_twice, exit_in_invoke, invoke_timeout, none };
  for (int s = start; s <= none; ++s) {
    SCOPED_TRACE("step " + std::to_string(s));
    harness h;
    if (s == start) h.os.start_fails = make_failure({EACCES, std::system_category()}, "exec");
    h.invoke("a");
    if (s == exit_in_init) h.os.last_runtime().end(fake_runtime::exited(2));
    if (s == init_timeout_twice) h.os.advance(std::chrono::milliseconds(13000));
    if (s > init_timeout_twice && !h.os.runtimes.empty()) {
      h.events().ready();
      h.events().delivered();
      if (s == exit_in_invoke) h.os.last_runtime().end(fake_runtime::killed());
      if (s == invoke_timeout) h.os.advance(std::chrono::milliseconds(3000));
      if (s == none) h.events().answered({invoke_status::success, "ok", "text/plain"});
    }
    h.os.run_posted();
    h.os.advance(std::chrono::milliseconds(60000));  // nothing fires late
    h.os.run_posted();
    ASSERT_EQ(h.outcomes.size(), 1u) << "done is called exactly once";
    EXPECT_EQ(h.outcomes[0].reset, s != none);
    EXPECT_EQ(h.env->dead(), s != none);
    for (const auto& r : h.os.runtimes) {
      if (s != none) {
        EXPECT_TRUE(r->destroyed && (r->kills > 0 || !r->running));
      }
    }
    EXPECT_FALSE(h.os.timer_armed());
  }
}

}  // namespace
}  // namespace lambdakit::platform::env
