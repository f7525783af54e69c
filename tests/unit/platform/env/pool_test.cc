// The environment pool against the in-memory OS: warm reuse, the concurrency limit, a new
// revision, retirement, idle eviction, a reset environment's /tmp handed on.
#include "platform/env/pool.h"

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

struct pool_harness {
  explicit pool_harness(std::chrono::milliseconds idle = std::chrono::milliseconds(60000),
                        int max_concurrency = 2) {
    write_executable(dir / "task/bootstrap", "#!/bin/sh\n");
    pool_options o;
    o.max_concurrency = max_concurrency;
    o.idle_timeout = idle;
    o.tmp_root = dir / "tmp";
    o.os = &os;
    p = std::make_unique<pool>(io, std::move(o));
  }
  function_config fn(const std::string& revision = "rev-1") {
    function_config f;
    f.name = "hello";
    f.runtime = "provided.al2023";
    f.revision_id = revision;
    f.runtime_revision = revision;
    return f;
  }
  bool invoke(const std::string& id, const function_config& f, int limit = -1) {
    invoke_request r;
    r.request_id = id;
    return p->invoke(
        f, dir / "task", {}, std::move(r),
        [this](invoke_outcome o) { outcomes.push_back(std::move(o)); }, limit);
  }
  // Runs the newest environment's runtime through Init and answers its event.
  void answer(std::size_t channel) {
    auto& ev = os.channel(channel).events;
    ev.ready();
    ev.delivered();
    ev.answered({invoke_status::success, "ok", "application/json"});
    os.run_posted();
  }

  boost::asio::io_context io;
  fake_os os;
  temp_dir dir;
  std::vector<invoke_outcome> outcomes;
  std::unique_ptr<pool> p;
};

TEST(Pool, AnIdleEnvironmentIsReusedWarm) {
  pool_harness h;
  ASSERT_TRUE(h.invoke("a", h.fn()));
  h.answer(0);
  ASSERT_TRUE(h.invoke("b", h.fn()));
  h.os.channel(0).events.delivered();
  h.os.channel(0).events.answered({invoke_status::success, "ok", "application/json"});
  h.os.run_posted();
  ASSERT_EQ(h.outcomes.size(), 2u);
  EXPECT_TRUE(h.outcomes[0].cold);
  EXPECT_FALSE(h.outcomes[1].cold);
  EXPECT_EQ(h.os.runtimes.size(), 1u);
  EXPECT_EQ(h.p->size(), 1u);
}

TEST(Pool, BusyEnvironmentsUpToTheLimitThenNoMore) {
  pool_harness h(std::chrono::milliseconds(60000), /*max_concurrency=*/2);
  EXPECT_TRUE(h.invoke("a", h.fn()));
  EXPECT_TRUE(h.invoke("b", h.fn()));
  EXPECT_FALSE(h.invoke("c", h.fn())) << "over the limit: the caller gets 429";
  EXPECT_EQ(h.os.runtimes.size(), 2u);
  EXPECT_FALSE(h.invoke("d", h.fn(), /*limit=*/1)) << "reserved concurrency overrides";
  h.answer(0);
  EXPECT_TRUE(h.invoke("e", h.fn())) << "an idle one is free again";
  EXPECT_EQ(h.os.runtimes.size(), 2u);
}

TEST(Pool, ANewRevisionGetsNewEnvironmentsAndTheOldIdleOnesGo) {
  pool_harness h;
  ASSERT_TRUE(h.invoke("a", h.fn("rev-1")));
  h.answer(0);
  ASSERT_TRUE(h.invoke("b", h.fn("rev-2")));
  EXPECT_EQ(h.os.runtimes.size(), 2u);
  EXPECT_TRUE(h.os.runtime(0).destroyed) << "the idle environment of rev-1 was retired";
  EXPECT_EQ(h.p->size(), 1u);
}

TEST(Pool, RetireDropsIdleEnvironmentsAtOnceAndBusyOnesAfterTheirInvoke) {
  pool_harness h;
  ASSERT_TRUE(h.invoke("a", h.fn()));
  h.answer(0);
  ASSERT_TRUE(h.invoke("b", h.fn()));  // busy, on the same environment
  ASSERT_TRUE(h.invoke("c", h.fn()));  // a second one, also busy
  h.p->retire("hello");
  EXPECT_EQ(h.p->size(), 2u) << "busy environments finish their invoke";
  h.os.channel(1).events.ready();
  h.os.channel(1).events.delivered();
  h.os.channel(1).events.answered({invoke_status::success, "ok", "application/json"});
  h.os.run_posted();
  h.p->retire("hello");
  EXPECT_EQ(h.p->size(), 1u);
  EXPECT_TRUE(h.os.runtime(1).destroyed);
}

TEST(Pool, AnEnvironmentIdleLongerThanTheTimeoutIsEvicted) {
  pool_harness h(std::chrono::milliseconds(2000));
  ASSERT_TRUE(h.invoke("a", h.fn()));
  h.answer(0);
  h.os.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(h.p->size(), 1u) << "not yet";
  h.os.advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(h.p->size(), 0u);
  EXPECT_TRUE(h.os.runtime(0).destroyed);
  ASSERT_TRUE(h.invoke("b", h.fn()));
  EXPECT_EQ(h.os.runtimes.size(), 2u) << "the next invoke is cold";
}

TEST(Pool, AResetEnvironmentsTmpGoesToTheNextOneOfTheSameCode) {
  pool_harness h;
  ASSERT_TRUE(h.invoke("a", h.fn()));
  auto first_tmp = h.os.runtime(0).start.spec.env;
  h.os.channel(0).events.ready();
  h.os.channel(0).events.delivered();
  h.os.runtime(0).end(fake_runtime::exited(1));  // crash: reset
  h.os.run_posted();
  ASSERT_EQ(h.outcomes.size(), 1u);
  EXPECT_TRUE(h.outcomes[0].reset);
  EXPECT_EQ(h.p->size(), 0u);
  ASSERT_TRUE(h.invoke("b", h.fn()));
  auto tmpdir = [](const std::vector<std::string>& env) {
    for (const auto& kv : env)
      if (kv.rfind("TMPDIR=", 0) == 0) return kv;
    return std::string();
  };
  EXPECT_FALSE(tmpdir(first_tmp).empty());
  EXPECT_EQ(tmpdir(h.os.runtime(1).start.spec.env), tmpdir(first_tmp))
      << "Lambda keeps the sandbox and its /tmp across a reset";
}

TEST(Pool, ShutdownKillsEveryEnvironment) {
  pool_harness h;
  ASSERT_TRUE(h.invoke("a", h.fn()));
  ASSERT_TRUE(h.invoke("b", h.fn()));
  h.p->shutdown();
  EXPECT_EQ(h.p->size(), 0u);
  for (const auto& r : h.os.runtimes) EXPECT_TRUE(r->destroyed);
}

}  // namespace
}  // namespace lambdakit::platform::env
