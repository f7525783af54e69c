#include "platform/api/records.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lambdakit::platform::api {
namespace {
using json = nlohmann::json;

invocation_record record(std::string id, std::string function) {
  invocation_record r;
  r.request_id = std::move(id);
  r.function = std::move(function);
  r.status = "success";
  return r;
}

std::vector<std::string> ids_of(const std::string& text) {
  json j = json::parse(text);
  std::vector<std::string> ids;
  for (const auto& r : j.at("invocations")) ids.push_back(r.at("request_id"));
  return ids;
}

TEST(Records, EmptyIsAnEmptyList) {
  records rs;
  EXPECT_EQ(rs.json("", 100), R"({"invocations":[]})");
  EXPECT_EQ(rs.json("hello", 100), R"({"invocations":[]})");
}

TEST(Records, SerializesEveryPhase) {
  records rs;
  invocation_record r = record("req-1", "hello");
  r.status = "timeout";
  r.cold = true;
  r.queue_ms = 0.25;
  r.extract_ms = 0;
  r.spawn_ms = 1.5;
  r.init_ms = 12.75;
  r.invoke_ms = 3000.5;
  r.overhead_ms = 0.125;
  r.total_ms = 3015.125;
  r.max_memory_mb = 56;
  r.started_unix_ms = 1704164645000;
  r.started_unix_us = 1704164645000123;
  rs.add(r);
  json want = {{"invocations",
                {{{"request_id", "req-1"},
                  {"function", "hello"},
                  {"type", "RequestResponse"},
                  {"status", "timeout"},
                  {"cold", true},
                  {"phases_ms",
                   {{"queue", 0.25},
                    {"extract", 0.0},
                    {"spawn", 1.5},
                    {"init", 12.75},
                    {"invoke", 3000.5},
                    {"overhead", 0.125}}},
                  {"total_ms", 3015.125},
                  {"max_memory_mb", 56},
                  {"started_unix_ms", 1704164645000},
                  {"started_unix_us", 1704164645000123}}}}};
  EXPECT_EQ(json::parse(rs.json("", 10)), want);
}

TEST(Records, FiltersByFunctionAndKeepsTheNewestLimitOldestFirst) {
  records rs;
  const char* functions[] = {"f1", "f2", "f1", "f1", "f2"};
  for (int i = 0; i < 5; ++i) rs.add(record("r" + std::to_string(i + 1), functions[i]));
  struct {
    const char* function;
    std::size_t limit;
    std::vector<std::string> ids;
  } cases[] = {
      {"", 10, {"r1", "r2", "r3", "r4", "r5"}},
      {"", 5, {"r1", "r2", "r3", "r4", "r5"}},
      {"", 2, {"r4", "r5"}},
      {"f1", 10, {"r1", "r3", "r4"}},
      {"f1", 2, {"r3", "r4"}},
      {"f2", 1, {"r5"}},
      {"", 0, {}},
      {"f3", 10, {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ids_of(rs.json(c.function, c.limit)), c.ids) << c.function << " " << c.limit;
  }
}

TEST(Records, KeepsTheNewest10000) {
  records rs;
  for (int i = 0; i < 10001; ++i) rs.add(record(std::to_string(i), "f"));
  auto ids = ids_of(rs.json("", 20000));
  ASSERT_EQ(ids.size(), 10000u);
  EXPECT_EQ(ids.front(), "1");  // "0" was dropped
  EXPECT_EQ(ids.back(), "10000");
}

}  // namespace
}  // namespace lambdakit::platform::api
