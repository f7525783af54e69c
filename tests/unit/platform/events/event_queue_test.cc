#include "platform/events/event_queue.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "platform/store/function_store.h"

namespace lambdakit::platform::events {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The queue against a fake pool: `busy` throttles, `fail` answers every attempt with an error.
class EventQueue : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lk-event-queue-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto st = event_store::open(dir_ / "events.db", false);
    ASSERT_TRUE(st);
    store_.emplace(std::move(st).value());
    auto fns = store::function_store::open(dir_.string());
    ASSERT_TRUE(fns);
    functions_.emplace(std::move(fns).value());
    for (const char* name : {"f", "sink"}) {
      function_config c;
      c.name = name;
      ASSERT_TRUE(functions_->put(c));
    }
    make_queue();
  }
  void TearDown() override {
    queue_.reset();
    fs::remove_all(dir_);
  }
  void make_queue(std::int64_t limit = 1000) {
    queue_options o;
    o.time_scale = 0.001;  // 1 min -> 60 ms, 2 min -> 120 ms
    o.max_queued = limit;
    o.log = [this](const std::string& fn, const std::string& line) {
      log_ += "[" + fn + "] " + line + "\n";
    };
    queue_ = std::make_unique<event_queue>(
        io_, *store_, *functions_,
        [this](const function_config& fn, env::invoke_request r,
               std::function<void(env::invoke_outcome)> done) {
          if (busy_) {
            ++throttled_;
            return false;
          }
          seen_.push_back({fn.name, r.payload});
          env::invoke_outcome out;
          if (fail_ && fn.name == "f") {
            out.status = env::invoke_status::function_error;
            out.body = R"({"errorType":"Boom","errorMessage":"no"})";
          } else {
            out.body = R"({"ok":1})";
          }
          boost::asio::post(io_, [done = std::move(done), out = std::move(out)]() mutable {
            done(std::move(out));
          });
          return true;
        },
        o);
  }
  result<void> send(const std::string& fn, const std::string& payload) {
    event e;
    e.request_id = "rid-" + std::to_string(++sent_);
    e.function = fn;
    e.payload = payload;
    e.accepted_ms = unix_ms_now();
    e.next_ms = e.accepted_ms;
    std::optional<result<void>> answer;
    queue_->accept(std::move(e), [&](result<void> r) { answer = std::move(r); });
    run_until([&] { return answer.has_value(); }, 2s);
    return answer ? *answer : make_failure(std::make_error_code(std::errc::timed_out));
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(5ms);
    }
    return done();
  }

  fs::path dir_;
  boost::asio::io_context io_;
  std::optional<event_store> store_;
  std::optional<store::function_store> functions_;
  std::unique_ptr<event_queue> queue_;
  std::vector<std::pair<std::string, std::string>> seen_;
  std::string log_;
  bool busy_ = false;
  bool fail_ = false;
  int throttled_ = 0;
  int sent_ = 0;
};

TEST_F(EventQueue, AnAcceptedEventIsStoredBeforeItsAnswerAndLeavesOnSuccess) {
  event e;
  e.request_id = "r";
  e.function = "f";
  e.payload = "{}";
  e.accepted_ms = e.next_ms = unix_ms_now();
  bool stored_first = false;
  queue_->accept(e, [&](result<void> r) {
    ASSERT_TRUE(r);
    stored_first = store_->queued_count().value() == 1;
  });
  ASSERT_TRUE(run_until([&] { return seen_.size() == 1 && *store_->queued_count() == 0; }, 2s));
  EXPECT_TRUE(stored_first);
  EXPECT_NE(log_.find("event r succeeded on attempt 1"), std::string::npos) << log_;
}

TEST_F(EventQueue, FailuresAreRetriedTwiceThenADeadLetterWithAFailureRecord) {
  fail_ = true;
  ASSERT_TRUE(store_->put_config({"f", std::nullopt, std::nullopt, "",
                                  "arn:aws:lambda:us-east-1:000000000000:function:sink", 1}));
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(send("f", R"({"n":1})"));
  ASSERT_TRUE(run_until([&] { return seen_.size() == 4; }, 3s)) << log_;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 170ms);  // 60 + 120 ms of retry delays
  EXPECT_EQ(seen_[0].first, "f");
  EXPECT_EQ(seen_[2].first, "f");
  ASSERT_EQ(seen_[3].first, "sink");
  auto record = nlohmann::json::parse(seen_[3].second);
  EXPECT_EQ(record["requestContext"]["condition"], "RetriesExhausted");
  EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 3);
  EXPECT_EQ(record["responsePayload"]["errorType"], "Boom");
  auto dead = store_->dead_letters("f", 10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].e.last_error, "Boom: no");
}

TEST_F(EventQueue, ThrottledEventsWaitAndGoWhenAnEnvironmentIsFree) {
  busy_ = true;
  ASSERT_TRUE(send("f", "{}"));
  ASSERT_TRUE(send("f", "{}"));
  run_until([&] { return throttled_ >= 1; }, 1s);
  EXPECT_TRUE(seen_.empty());
  EXPECT_EQ(*store_->queued_count(), 2);
  busy_ = false;
  queue_->environment_freed("f");
  ASSERT_TRUE(run_until([&] { return seen_.size() == 2 && *store_->queued_count() == 0; }, 2s));
}

TEST_F(EventQueue, AFullQueueRefusesWithoutStoring) {
  make_queue(2);
  busy_ = true;
  ASSERT_TRUE(send("f", "{}"));
  ASSERT_TRUE(send("f", "{}"));
  auto third = send("f", "{}");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, std::errc::no_buffer_space);
  EXPECT_EQ(*store_->queued_count(), 2);
}

TEST_F(EventQueue, WhatAnEarlierRunLeftIsDeliveredAfterStart) {
  event e;
  e.request_id = "old";
  e.function = "f";
  e.payload = R"({"left":true})";
  e.accepted_ms = e.next_ms = unix_ms_now();
  ASSERT_TRUE(store_->add(e));
  ASSERT_TRUE(queue_->start());
  ASSERT_TRUE(run_until([&] { return seen_.size() == 1; }, 2s));
  EXPECT_EQ(seen_[0].second, R"({"left":true})");
}

TEST_F(EventQueue, DroppedFunctionsEventsNeverRun) {
  busy_ = true;
  ASSERT_TRUE(send("f", "{}"));
  ASSERT_TRUE(send("f", "{}"));
  auto n = queue_->drop_function("f");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  busy_ = false;
  queue_->environment_freed("f");
  run_until([] { return false; }, 100ms);
  EXPECT_TRUE(seen_.empty());
  EXPECT_NE(log_.find("dropped 2 queued event(s)"), std::string::npos) << log_;
}

TEST_F(EventQueue, AnExpiredEventIsADeadLetterWithoutRunning) {
  busy_ = true;
  ASSERT_TRUE(store_->put_config({"f", std::nullopt, 60, "", "", 1}));  // 60 s -> 60 ms here
  ASSERT_TRUE(send("f", "{}"));
  ASSERT_TRUE(run_until([&] { return store_->dead_letters("f", 10)->size() == 1; }, 2s));
  EXPECT_EQ((*store_->dead_letters("f", 10))[0].reason, "EventAgeExceeded");
  EXPECT_TRUE(seen_.empty());
}

}  // namespace
}  // namespace lambdakit::platform::events
