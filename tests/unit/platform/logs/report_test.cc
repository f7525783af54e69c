#include "platform/logs/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

namespace lambdakit::platform::logs {
namespace {

TEST(LogLines, StartAndEndAreAwsExactFormat) {
  for (std::string id : {"8476a536-e9f4-11e8-9739-2dfe598c3fcd", "x", ""}) {
    EXPECT_EQ(start_line(id), "START RequestId: " + id + " Version: $LATEST");
    EXPECT_EQ(end_line(id), "END RequestId: " + id);
  }
}

TEST(ReportLine, IsAwsExactFormat) {
  const std::string id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
  const std::string head = "REPORT RequestId: " + id + "\t";
  struct {
    const char* name;
    report r;
    std::string line;
  } cases[] = {
      {"warm",
       {id, 15.74, 128, 56, std::nullopt, false},
       head + "Duration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 56 MB\t"},
      {"cold: Init Duration after Max Memory Used",
       {id, 15.74, 128, 56, 130.49, false},
       head + "Duration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 56 MB\tInit Duration: 130.49 ms\t"},
      {"timeout",
       {id, 3000.0, 128, 40, std::nullopt, true},
       head + "Duration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 40 MB\tStatus: timeout"},
      {"cold and timed out",
       {id, 3000.2, 1024, 900, 250.0, true},
       head + "Duration: 3000.20 ms\tBilled Duration: 3001 ms\tMemory Size: 1024 MB\t"
              "Max Memory Used: 900 MB\tInit Duration: 250.00 ms\tStatus: timeout"},
      // Billed Duration = ceil(Duration), whatever two decimals show.
      {"a whole millisecond",
       {id, 16.0, 128, 1, std::nullopt, false},
       head + "Duration: 16.00 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 1 MB\t"},
      {"just above",
       {id, 16.001, 128, 1, std::nullopt, false},
       head + "Duration: 16.00 ms\tBilled Duration: 17 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 1 MB\t"},
      {"just below",
       {id, 15.999, 128, 1, std::nullopt, false},
       head + "Duration: 16.00 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 1 MB\t"},
      {"under a millisecond",
       {id, 0.01, 128, 1, std::nullopt, false},
       head + "Duration: 0.01 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 1 MB\t"},
      {"the largest function",
       {id, 900000.0, 10240, 10240, 9999.99, true},
       head + "Duration: 900000.00 ms\tBilled Duration: 900000 ms\tMemory Size: 10240 MB\t"
              "Max Memory Used: 10240 MB\tInit Duration: 9999.99 ms\tStatus: timeout"},
  };
  for (const auto& c : cases) EXPECT_EQ(report_line(c.r), c.line) << c.name;
}

// The line is as long as its request id needs (report_line formats into a fixed buffer).
TEST(ReportLine, HoldsALongRequestIdWhole) {
  for (std::size_t n : {400, 600, 2000}) {
    std::string id(n, 'r');
    report r{id, 1.5, 128, 10, 2.25, true};
    std::string want = "REPORT RequestId: " + id +
                       "\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax "
                       "Memory Used: 10 MB\tInit Duration: 2.25 ms\tStatus: timeout";
    std::string got = report_line(r);
    EXPECT_EQ(got.size(), want.size()) << n;
    auto diff = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
    EXPECT_TRUE(got == want) << "id of " << n << " bytes: lines differ from byte "
                             << (diff.first - got.begin());
  }
}

TEST(Tail, KeepsTheLastBytesFromALineStart) {
  struct {
    const char* name;
    std::string log;
    std::size_t limit;
    std::string tail;
  } cases[] = {
      {"short enough", "abc\n", 10, "abc\n"},
      {"exactly the limit", "0123456789", 10, "0123456789"},
      {"empty", "", 10, ""},
      {"cut to the next line", "line1\nline2\nline3\n", 10, "line3\n"},
      {"no line start: bytes", "abcdefghij", 4, "ghij"},
      // A line start would leave less than half the limit: bytes, mid-line.
      {"line start too late", "aaaaaaaaa\nb", 8, "aaaaaa\nb"},
      {"only the final newline", "aaaaaaaaaa\n", 5, "aaaa\n"},
      // The cut already falls on a line start: nothing more is dropped.
      {"cut on a line start", "x\nab\ncdefgh\n", 10, "ab\ncdefgh\n"},
      {"zero", "abc", 0, ""},
  };
  for (const auto& c : cases) {
    std::string t = tail(c.log, c.limit);
    EXPECT_EQ(t, c.tail) << c.name;
    EXPECT_LE(t.size(), c.limit) << c.name;
  }
}

TEST(Tail, DefaultsTo4KiB) {
  std::string log;
  for (int i = 0; i < 1000; ++i) log += "log line " + std::to_string(i) + "\n";
  std::string t = tail(log);
  EXPECT_LE(t.size(), 4096u);
  EXPECT_GT(t.size(), 2048u);
  EXPECT_EQ(log.substr(log.size() - t.size()), t);
  EXPECT_EQ(log[log.size() - t.size() - 1], '\n') << "starts a line";
}

}  // namespace
}  // namespace lambdakit::platform::logs
