// bench_strategies: the same hello function built with each `lambdakit build` strategy, side by
// side in one run of the local service: zip and unzipped size, cold and warm invoke latency.
// scripts/bench-strategies builds the zips (lambdakit new + lambdakit build) and runs this.
// Usage: bench_strategies [--cold N] [--warm N] [--serve-arg A]... [--no-reference]
//                         [--title T] NAME=ZIP[,RUNTIME[,HANDLER]]...
// (RUNTIME defaults to provided.al2023, HANDLER to bootstrap: `hello=h.zip,go1.x,hello` runs a
// go1.x zip.)
#include <lambdakit/version.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "child.h"
#include "http.h"
#include "platform/http/client.h"
#include "stats.h"
#include "wire/base64.h"

namespace fs = std::filesystem;
using namespace lambdakit::bench;
using clock_type = std::chrono::steady_clock;

namespace {

struct entry {
  std::string name;
  fs::path zip;
  std::string runtime = "provided.al2023";
  std::string handler = "bootstrap";
};

// NAME=ZIP[,RUNTIME[,HANDLER]]
entry parse_entry(const std::string& a, std::size_t eq) {
  entry e;
  e.name = a.substr(0, eq);
  std::string rest = a.substr(eq + 1);
  std::vector<std::string> parts;
  for (std::size_t at = 0;;) {
    auto comma = rest.find(',', at);
    parts.push_back(rest.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  e.zip = parts[0];
  if (parts.size() > 1) e.runtime = parts[1];
  if (parts.size() > 2) e.handler = parts[2];
  return e;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::uint32_t le32(const std::string& b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

// The sum of the entries' uncompressed sizes, from the zip's central directory.
std::uint64_t unzipped_size(const std::string& zip) {
  std::uint64_t total = 0;
  for (std::size_t at = 0; at + 46 <= zip.size(); ++at) {
    if (le32(zip, at) != 0x02014b50) continue;
    total += le32(zip, at + 24);
    at += 45;
  }
  return total;
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  int cold = 20, warm = 500;
  bool reference = true;
  std::string title = "one hello function per build strategy";
  std::vector<std::string> serve_args;
  std::vector<entry> entries;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--cold") {
      cold = std::stoi(next());
    } else if (a == "--warm") {
      warm = std::stoi(next());
    } else if (a == "--no-reference") {
      reference = false;
    } else if (a == "--serve-arg") {
      serve_args.push_back(next());
    } else if (auto eq = a.find('='); eq != std::string::npos && a[0] != '-') {
      entries.push_back(parse_entry(a, eq));
    } else if (a == "--title") {
      title = next();
    } else {
      std::fprintf(
          stderr,
          "usage: bench_strategies [--cold N] [--warm N] [--serve-arg A]... [--no-reference] "
          "[--title T] NAME=ZIP[,RUNTIME[,HANDLER]]...\n");
      return a == "--help" ? 0 : 2;
    }
  }
  fs::path lambdakit = fs::canonical("/proc/self/exe").parent_path() / "lambdakit";
  fs::path work =
      fs::temp_directory_path() / ("lambdakit-bench-strategies-" + std::to_string(::getpid()));
  std::vector<std::string> serve_argv = {
      lambdakit.string(),        "serve",       "--port", "0", "--state-dir",
      (work / "state").string(), "--log-level", "error"};
  serve_argv.insert(serve_argv.end(), serve_args.begin(), serve_args.end());
  child serve(serve_argv, {}, true);
  std::string line = serve.read_line(10000);
  auto port = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
  lambdakit::platform::http::client c("127.0.0.1", port);
  const std::vector<std::pair<std::string, std::string>> json = {
      {"Content-Type", "application/json"}};

  std::printf("lambdakit %s: %s, on lambdakit serve%s\n\n", lambdakit::version, title.c_str(),
              serve_args.empty() ? "" : " (with serve arguments)");
  std::printf("  %-22s %9s %12s %12s %12s %12s\n", "function", "zip KB", "unzipped KB",
              "cold med ms", "cold p99 ms", "warm med ms");
  int failures = 0;
  for (const auto& e : entries) {
    std::string zip = read_file(e.zip);
    if (zip.empty()) {
      std::fprintf(stderr, "bench_strategies: cannot read %s\n", e.zip.c_str());
      return 1;
    }
    nlohmann::json create = {{"FunctionName", e.name},
                             {"Role", "arn:aws:iam::000000000000:role/bench"},
                             {"Runtime", e.runtime},
                             {"Handler", e.handler},
                             {"Code", {{"ZipFile", lambdakit::wire::base64::encode(zip)}}}};
    auto r = request_or_throw(c, "POST", "/2015-03-31/functions", create.dump(), json);
    if (r.status != 201) {
      std::fprintf(stderr, "bench_strategies: CreateFunction %s answered %d: %s\n", e.name.c_str(),
                   r.status, r.body.c_str());
      return 1;
    }
    std::string target = "/2015-03-31/functions/" + e.name + "/invocations";
    std::vector<double> cold_ms, warm_ms;
    for (int i = 0; i < cold; ++i) {
      // A configuration change retires the warm environment: the next invoke is cold.
      nlohmann::json cfg = {{"Environment", {{"Variables", {{"ROUND", std::to_string(i)}}}}}};
      request_or_throw(c, "PUT", "/2015-03-31/functions/" + e.name + "/configuration", cfg.dump(),
                       json);
      auto t = clock_type::now();
      auto res = request_or_throw(c, "POST", target, "{}");
      cold_ms.push_back(ms_since(t));
      if (res.status != 200 || !res.header("X-Amz-Function-Error").empty()) ++failures;
    }
    for (int i = 0; i < warm; ++i) {
      auto t = clock_type::now();
      auto res = request_or_throw(c, "POST", target, "{}");
      warm_ms.push_back(ms_since(t));
      if (res.status != 200 || !res.header("X-Amz-Function-Error").empty()) ++failures;
    }
    std::printf("  %-22s %9.1f %12.1f %12.3f %12.3f %12.3f\n", e.name.c_str(),
                static_cast<double>(zip.size()) / 1024,
                static_cast<double>(unzipped_size(zip)) / 1024, median(cold_ms),
                quantile(cold_ms, 0.99), median(warm_ms));
  }
  if (reference) {
    std::printf(
        "\n  for comparison (hello-world zips of the original study, euank/lambda-bench, 2018):\n"
        "  crowbar 774 KB, go 4.2 MB, rust-aws-lambda 1.6 MB; aws-lambda-cpp's packager 13.4 MB\n"
        "  (its whole glibc; measured for design.md). Cold/warm here are local-service figures,\n"
        "  not AWS's: the study's AWS cold medians were 241-345 ms.\n");
  }
  fs::remove_all(work);
  if (failures != 0) {
    std::fprintf(stderr, "bench_strategies: %d invokes failed\n", failures);
    return 1;
  }
  return 0;
}
