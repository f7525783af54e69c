#include "platform/events/event_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace lambdakit::platform::events {
namespace {
namespace fs = std::filesystem;

class EventStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lk-event-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "events.db"; }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  fs::path dir_;
};

event sample(const std::string& fn, std::int64_t at = 1000) {
  event e;
  e.request_id = "rid-" + std::to_string(at);
  e.function = fn;
  e.payload = R"({"n":1})";
  e.trace_id = "Root=1-x";
  e.accepted_ms = at;
  e.next_ms = at;
  return e;
}

TEST_F(EventStore, AddedEventsArePendingInOrderAndReadBack) {
  auto s = event_store::open(file(), true);
  ASSERT_TRUE(s) << s.error().message();
  auto a = s->add(sample("f", 1));
  auto b = s->add(sample("g", 2));
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  auto p = s->pending_events();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].function, "f");
  EXPECT_EQ((*p)[1].accepted_ms, 2);
  auto got = s->get(*a);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->payload, R"({"n":1})");
  EXPECT_EQ((*got)->trace_id, "Root=1-x");
  EXPECT_EQ(*s->queued_count(), 2);
}

TEST_F(EventStore, RescheduleBuryAndRemoveReportWhetherTheEventWasStillQueued) {
  auto s = event_store::open(file(), false);
  ASSERT_TRUE(s);
  event e = sample("f");
  e.id = *s->add(e);
  e.attempts = 1;
  e.next_ms = 5000;
  e.last_error = "RuntimeError: no";
  EXPECT_TRUE(*s->reschedule(e));
  EXPECT_EQ((*s->get(e.id))->attempts, 1);
  EXPECT_EQ((*s->get(e.id))->next_ms, 5000);
  EXPECT_TRUE(*s->bury(e, "RetriesExhausted", 6000));
  EXPECT_FALSE(*s->get(e.id));
  auto dead = s->dead_letters("f", 10);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].reason, "RetriesExhausted");
  EXPECT_EQ((*dead)[0].e.last_error, "RuntimeError: no");
  EXPECT_EQ((*dead)[0].buried_ms, 6000);
  EXPECT_FALSE(*s->bury(e, "RetriesExhausted", 7000));  // no longer queued: nothing twice
  EXPECT_EQ(s->dead_letters("", 10)->size(), 1u);
  EXPECT_FALSE(*s->remove(e.id));
  EXPECT_FALSE(*s->reschedule(e));
}

TEST_F(EventStore, DroppingAFunctionTakesEverythingOfItsAndNothingElse) {
  auto s = event_store::open(file(), false);
  ASSERT_TRUE(s);
  for (int i = 0; i < 3; ++i) (void)s->add(sample("gone", i));
  event kept = sample("stays", 9);
  kept.id = *s->add(kept);
  event d = sample("gone", 10);
  d.id = *s->add(d);
  (void)s->bury(d, "EventAgeExceeded", 11);
  (void)s->put_config({"gone", 1, std::nullopt, "", "", 1});
  (void)s->keep({0, "gone", "arn:aws:sqs:us-east-1:1:q", "Success", "{}", "why", 1});
  auto n = s->drop_function("gone");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(*s->queued_count(), 1);
  EXPECT_TRUE(s->dead_letters("gone", 10)->empty());
  EXPECT_TRUE(s->kept_records("gone", 10)->empty());
  EXPECT_FALSE(*s->config("gone"));
  EXPECT_TRUE(*s->get(kept.id));
}

TEST_F(EventStore, ConfigKeepsWhatWasSetAndOnlyThat) {
  auto s = event_store::open(file(), false);
  ASSERT_TRUE(s);
  EXPECT_FALSE(*s->config("f"));
  ASSERT_TRUE(s->put_config({"f", std::nullopt, 120, "arn:a", "", 42}));
  auto c = s->config("f");
  ASSERT_TRUE(c && *c);
  EXPECT_FALSE((*c)->max_retry_attempts);
  EXPECT_EQ((*c)->max_event_age_s, 120);
  EXPECT_EQ((*c)->on_success, "arn:a");
  EXPECT_EQ((*c)->last_modified_ms, 42);
  EXPECT_TRUE(*s->remove_config("f"));
  EXPECT_FALSE(*s->remove_config("f"));
}

TEST_F(EventStore, ARolledBackTransactionLeavesNothing) {
  auto s = event_store::open(file(), false);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->begin());
  (void)s->add(sample("f"));
  s->rollback();
  EXPECT_EQ(*s->queued_count(), 0);
}

TEST_F(EventStore, EventsSurviveReopening) {
  {
    auto s = event_store::open(file(), true);
    ASSERT_TRUE(s);
    (void)s->add(sample("f"));
  }
  auto again = event_store::open(file(), true);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->pending_events()->size(), 1u);
}

TEST_F(EventStore, AFileFromANewerVersionIsRefusedAndLeftAsItWas) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 7;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  std::string before = read(file());
  auto s = event_store::open(file(), true);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("newer lambdakit"), std::string::npos) << s.error().detail;
  EXPECT_NE(s.error().detail.find("queue schema 7"), std::string::npos);
  EXPECT_NE(s.error().detail.find(file().string()), std::string::npos);
  EXPECT_EQ(read(file()), before);
}

TEST_F(EventStore, AFileOfSchemaOneGetsTheQualifierColumnAndKeepsItsEvents) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file().c_str(), &db), SQLITE_OK);
  const char* v1 =
      "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, "
      "function TEXT NOT NULL, payload TEXT NOT NULL, trace_id TEXT NOT NULL, client_context TEXT "
      "NOT NULL, accepted_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL, attempts INTEGER NOT "
      "NULL, last_error TEXT NOT NULL, last_response TEXT NOT NULL, last_attempt_ms INTEGER NOT "
      "NULL);"
      "CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, function TEXT "
      "NOT NULL, payload TEXT NOT NULL, trace_id TEXT NOT NULL, client_context TEXT NOT NULL, "
      "accepted_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, last_error TEXT NOT NULL, "
      "last_response TEXT NOT NULL, last_attempt_ms INTEGER NOT NULL, reason TEXT NOT NULL, "
      "buried_ms INTEGER NOT NULL);"
      "CREATE TABLE kept_records (id INTEGER PRIMARY KEY AUTOINCREMENT, function TEXT NOT NULL, "
      "destination TEXT NOT NULL, condition TEXT NOT NULL, record TEXT NOT NULL, why TEXT NOT "
      "NULL, created_ms INTEGER NOT NULL);"
      "CREATE TABLE invoke_configs (function TEXT PRIMARY KEY, max_retry_attempts INTEGER, "
      "max_event_age_s INTEGER, on_success TEXT NOT NULL, on_failure TEXT NOT NULL, "
      "last_modified_ms INTEGER NOT NULL);"
      "INSERT INTO events VALUES (1, 'r1', 'f', '{}', 't', '', 5, 5, 0, '', '', 0);"
      "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = event_store::open(file(), true);
  ASSERT_TRUE(s) << s.error().detail;
  auto old = s->get(1);
  ASSERT_TRUE(old && *old);
  EXPECT_EQ((*old)->request_id, "r1");
  EXPECT_EQ((*old)->qualifier, "");
  event e;
  e.request_id = "r2";
  e.function = "f";
  e.qualifier = "live";
  auto id = s->add(e);
  ASSERT_TRUE(id);
  EXPECT_EQ((*s->get(*id))->qualifier, "live");
  ASSERT_TRUE(s->bury(**s->get(*id), "RetriesExhausted", 9));
  auto dead = s->dead_letters("f", 10);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1U);
  EXPECT_EQ((*dead)[0].e.qualifier, "live");
  EXPECT_EQ((*dead)[0].reason, "RetriesExhausted");
  EXPECT_EQ((*dead)[0].buried_ms, 9);
}

TEST_F(EventStore, AFileThatIsNotADatabaseIsRefusedAndLeftAsItWas) {
  std::ofstream(file(), std::ios::binary) << std::string(5000, 'z');
  std::string before = read(file());
  auto s = event_store::open(file(), true);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("not a database"), std::string::npos) << s.error().detail;
  EXPECT_NE(s.error().detail.find("Move it away"), std::string::npos);
  EXPECT_EQ(read(file()), before);
}

}  // namespace
}  // namespace lambdakit::platform::events
