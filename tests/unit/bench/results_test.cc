// What `lambdakit bench` writes: the CSV's columns (the study's first), REPORT parsing, the
// per-function summaries, the padding fit and the manifest's refusals.
#include "bench/results.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/function_set.h"

namespace lambdakit::bench {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

invocation_sample sample(const std::string& fn, bool cold, double client_ms, int round = 1) {
  invocation_sample s;
  s.function = fn;
  s.runtime = "provided.al2023";
  s.round = round;
  s.cold = cold;
  s.unix_ms = 1537000000000;  // 2018-09-15 08:26:40 UTC
  s.client_ms = client_ms;
  s.create_ms = cold ? 4.5 : 0;
  s.zip_bytes = 1000;
  s.unzipped_bytes = 3000;
  return s;
}

TEST(BenchCsv, TheStudysColumnsComeFirst) {
  auto header = split(csv_header(), ',');
  std::vector<std::string> study = {"Function",         "Lambda_Size", "Time",
                                    "Warmth",           "Duration",    "Lambda_Duration",
                                    "Function_Duration"};
  ASSERT_GE(header.size(), study.size());
  EXPECT_EQ(std::vector<std::string>(header.begin(), header.begin() + 7), study);
}

TEST(BenchCsv, OneRowPerSampleWithEveryColumn) {
  auto cold = sample("cpp-provided.al2023", true, 1.5);
  cold.total_ms = 1.25;
  cold.invoke_ms = 0.125;
  cold.init_ms = 0.5;
  cold.duration_ms = 0.13;
  cold.init_duration_ms = 0.51;
  cold.max_memory_mb = 3;
  auto warm = sample("cpp-provided.al2023", false, 0.25);
  warm.status = "error";
  warm.error = "Runtime.ExitError";
  std::string csv = to_csv({cold, warm});
  auto lines = split(csv, '\n');
  ASSERT_EQ(lines.size(), 4u);  // header, two rows, the final newline
  EXPECT_EQ(lines[3], "");
  std::size_t columns = split(lines[0], ',').size();
  auto c = split(lines[1], ',');
  auto w = split(lines[2], ',');
  EXPECT_EQ(c.size(), columns);
  EXPECT_EQ(w.size(), columns);
  EXPECT_EQ(c[0], "cpp-provided.al2023");
  EXPECT_EQ(c[1], "128");
  EXPECT_EQ(c[2], "2018-09-15 08:26:40 +0000");
  EXPECT_EQ(c[3], "cold");
  EXPECT_EQ(c[4], "0.001500");  // seconds, as the study wrote them
  EXPECT_EQ(c[5], "0.001250");
  EXPECT_EQ(c[6], "0.000125");
  EXPECT_EQ(w[3], "warm");
  EXPECT_EQ(w[5], "");  // no service phases: empty, not zero
  EXPECT_NE(lines[2].find("error,Runtime.ExitError"), std::string::npos) << lines[2];
  auto names = split(lines[0], ',');
  auto col = [&](const std::string& n) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), n) - names.begin());
  };
  EXPECT_EQ(c[col("create_ms")], "4.500");
  EXPECT_EQ(w[col("create_ms")], "");
  EXPECT_EQ(c[col("init_ms")], "0.500");
  EXPECT_EQ(c[col("report_init_duration_ms")], "0.510");
  EXPECT_EQ(c[col("max_memory_mb")], "3");
}

TEST(BenchCsv, QuotesWhatNeedsQuoting) {
  auto s = sample("f", true, 1);
  s.error = "Bad, \"very\"";
  std::string csv = to_csv({s});
  EXPECT_NE(csv.find("\"Bad, \"\"very\"\"\""), std::string::npos) << csv;
}

TEST(BenchReport, ReadsTheReportLine) {
  invocation_sample s;
  read_report(
      "START RequestId: r Version: $LATEST\nhello\nEND RequestId: r\nREPORT RequestId: r\t"
      "Duration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 17 MB\t"
      "Init Duration: 45.67 ms\t\n",
      s);
  ASSERT_TRUE(s.duration_ms);
  EXPECT_DOUBLE_EQ(*s.duration_ms, 1.23);
  ASSERT_TRUE(s.init_duration_ms);
  EXPECT_DOUBLE_EQ(*s.init_duration_ms, 45.67);
  ASSERT_TRUE(s.max_memory_mb);
  EXPECT_EQ(*s.max_memory_mb, 17);

  invocation_sample warm;
  read_report("REPORT RequestId: r\tDuration: 0.50 ms\tBilled Duration: 1 ms\t", warm);
  EXPECT_DOUBLE_EQ(*warm.duration_ms, 0.5);
  EXPECT_FALSE(warm.init_duration_ms);
  invocation_sample none;
  read_report("no report here", none);
  EXPECT_FALSE(none.duration_ms);
}

TEST(BenchSummary, PerFunctionColdAndWarm) {
  std::vector<function_spec> fns = {{"a", "provided.al2023", "bootstrap", "a.zip", "A"},
                                    {"b", "go1.x", "hello", "b.zip", "B"}};
  std::vector<function_code> code(2);
  code[0].zip_bytes = 2048;
  std::vector<invocation_sample> samples;
  for (int r = 1; r <= 3; ++r) {
    samples.push_back(sample("a", true, 10.0 * r, r));
    samples.push_back(sample("a", false, 1.0 * r, r));
    samples.push_back(sample("b", true, 20.0 * r, r));
    auto w = sample("b", false, 2.0 * r, r);
    if (r == 2) w.status = "timeout";
    samples.push_back(w);
  }
  auto s = summarize_functions(samples, fns, code);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].function, "a");
  EXPECT_EQ(s[0].cold.count, 3u);
  EXPECT_DOUBLE_EQ(s[0].cold.median, 20);
  EXPECT_DOUBLE_EQ(s[0].warm.median, 2);
  EXPECT_EQ(s[0].zip_bytes, 2048u);
  EXPECT_EQ(s[0].errors, 0u);
  EXPECT_DOUBLE_EQ(s[1].cold.max, 60);
  EXPECT_EQ(s[1].errors, 1u);
  std::string table = render_table(s, {});
  EXPECT_NE(table.find("a "), std::string::npos);
  EXPECT_NE(table.find("20.000"), std::string::npos) << table;
}

TEST(BenchPadding, FitsColdStartAgainstZipMegabytes) {
  std::vector<invocation_sample> samples;
  for (double mb : {1.0, 10.0, 40.0}) {
    auto s = sample("f-padded", true, 2.0 + 0.5 * mb);
    s.zip_bytes = static_cast<std::uint64_t>(mb * 1e6);
    s.padding_bytes = s.zip_bytes - 1000;
    s.create_ms = 1.0 + 3.0 * mb;
    samples.push_back(s);
  }
  auto p = fit_padding(samples);
  EXPECT_EQ(p.samples, 3u);
  ASSERT_TRUE(p.cold_ms_per_mb);
  EXPECT_NEAR(p.cold_ms_per_mb->slope, 0.5, 1e-9);
  EXPECT_NEAR(p.create_ms_per_mb->slope, 3.0, 1e-9);
  EXPECT_NEAR(p.create_ms_per_mb->intercept, 1.0, 1e-9);
  EXPECT_FALSE(fit_padding({}).cold_ms_per_mb);
}

class Manifest : public ::testing::Test {
 protected:
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("lk-manifest-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path write(const std::string& text) {
    auto p = dir / "manifest.tsv";
    std::ofstream(p) << text;
    return p;
  }
};

TEST_F(Manifest, ReadsRowsAndResolvesZipsBesideIt) {
  auto m =
      read_manifest(write("# comment\na\tprovided.al2023\tbootstrap\ta.zip\tthe A\n"
                          "b\tgo1.x\thello\t/abs/b.zip\t\n"));
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].zip, dir / "a.zip");
  EXPECT_EQ((*m)[1].zip, "/abs/b.zip");
  EXPECT_EQ((*m)[0].description, "the A");
}

TEST_F(Manifest, RefusesBadLinesWithTheirNumber) {
  auto short_line = read_manifest(write("a\tprovided.al2023\tbootstrap\n"));
  ASSERT_FALSE(short_line);
  EXPECT_NE(short_line.error().detail.find(":1: 3 columns where 5 belong"), std::string::npos)
      << short_line.error().detail;
  auto twice = read_manifest(write("a\tr\th\tz\td\na\tr\th\tz\td\n"));
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().detail.find(":2: \"a\" twice"), std::string::npos);
  auto missing = read_manifest(dir / "nope.tsv");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("scripts/bench-functions"), std::string::npos);
}

TEST(SelectFunctions, ByNameAndPrefixInManifestOrder) {
  std::vector<function_spec> all = {{"cpp-provided.al2023", "", "", "", ""},
                                    {"cpp-go1.x", "", "", "", ""},
                                    {"go-go1.x", "", "", "", ""}};
  auto some = select_functions(all, "go-go1.x,cpp-*");
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 3u);
  EXPECT_EQ((*some)[0].name, "cpp-provided.al2023");
  auto one = select_functions(all, "cpp-go1.x");
  ASSERT_EQ(one->size(), 1u);
  auto none = select_functions(all, "rust-provided.al2023");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().detail.find("there are: cpp-provided.al2023, cpp-go1.x, go-go1.x"),
            std::string::npos)
      << none.error().detail;
  EXPECT_EQ(select_functions(all, "")->size(), 3u);
}

}  // namespace
}  // namespace lambdakit::bench

namespace lambdakit::bench {
namespace {

TEST(NameProblem, NamesTooLongOrCollidingAreRefusedUpFront) {
  experiment_config config;
  config.rounds = 40;
  std::vector<function_spec> fine = {{"cpp-provided.al2023-bundle", "", "", "", ""}};
  EXPECT_EQ(name_problem(fine, config), "");
  std::vector<function_spec> long_name = {{std::string(60, 'x'), "", "", "", ""}};
  auto why = name_problem(long_name, config);
  EXPECT_NE(why.find("characters (Lambda takes 64): shorten its name"), std::string::npos) << why;
  std::vector<function_spec> twins = {{"a.b", "", "", "", ""}, {"a_b", "", "", "", ""}};
  why = name_problem(twins, config);
  EXPECT_NE(why.find("two functions would deploy under one name"), std::string::npos) << why;
}

TEST(BenchPadding, OneSizeFitsNothing) {
  std::vector<invocation_sample> samples;
  for (int i = 0; i < 3; ++i) {
    invocation_sample s;
    s.cold = true;
    s.padding_bytes = 10'000'000;
    s.zip_bytes = 10'000'100 + static_cast<std::uint64_t>(i);  // nonces differ by bytes
    s.client_ms = 1.0 + i;
    samples.push_back(s);
  }
  auto p = fit_padding(samples);
  EXPECT_EQ(p.samples, 3u);
  EXPECT_FALSE(p.cold_ms_per_mb);
}

}  // namespace
}  // namespace lambdakit::bench
