// bench_runtime: how lean is lambdakit's Runtime API loop? Measured side by side, in one run:
//   start-up   posix_spawn → first GET /next, lambdakit's hello vs a 20-line static C client
//   warm       round trip of one invoke as the Runtime API sees it (/next answer → /response)
//   instrs     user-space instructions per warm invoke (valgrind callgrind: repeatable)
//   size       stripped binaries and their zips
// Usage: bench_runtime [--runs N] [--invokes N] [--bin-dir DIR]
#include <lambdakit/version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/child.h"
#include "base/path_lookup.h"
#include "fake_go1x_host.h"
#include "fake_runtime_api.h"
#include "stats.h"

namespace fs = std::filesystem;
using namespace lambdakit::bench;
namespace base = lambdakit::base;

namespace {

struct options {
  int runs = 60;
  int invokes = 2000;
  fs::path bin_dir;
};

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

bool have(const char* tool) {
  return !base::find_program(tool).empty();
}

// Instructions callgrind counts for one session of `program` serving `invokes` events, over
// the Runtime API or (go1x) net/rpc.
long long callgrind_instructions(const fs::path& program, int invokes, bool go1x = false) {
  fs::path out =
      fs::temp_directory_path() / ("lambdakit-cg-" + std::to_string(::getpid()) + ".out");
  session_options s;
  s.argv = {"valgrind", "--tool=callgrind", "--callgrind-out-file=" + out.string(),
            program.string()};
  s.invocations = invokes;
  session_result r = go1x ? run_go1x_session(s) : run_session(s);
  if (!r.error.empty()) std::fprintf(stderr, "callgrind session: %s\n", r.error.c_str());
  std::ifstream in(out);
  long long total = -1;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("summary:", 0) == 0 || line.rfind("totals:", 0) == 0)
      total = std::atoll(line.c_str() + line.find(':') + 1);
  }
  fs::remove(out);
  return total;
}

// Size of the stripped binary, and of a zip holding it as `bootstrap` (as Lambda wants it).
std::pair<std::uintmax_t, std::uintmax_t> package_sizes(const fs::path& program) {
  fs::path dir = fs::temp_directory_path() / ("lambdakit-size-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path boot = dir / "bootstrap";
  fs::path zip = dir / "function.zip";
  std::uintmax_t stripped = 0, zipped = 0;
  auto strip = base::run_tool({"strip", "-o", boot.string(), program.string()}, false);
  auto zipping =
      strip && strip->exit_code == 0
          ? base::run_tool({"zip", "-q", "-X", "-9", "function.zip", "bootstrap"}, false, dir)
          : strip;
  if (zipping && zipping->exit_code == 0) {
    stripped = fs::file_size(boot);
    zipped = fs::file_size(zip);
  }
  fs::remove_all(dir);
  return {stripped, zipped};
}

void parse_args(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_runtime: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--runs") {
      o.runs = std::atoi(value().c_str());
    } else if (a == "--invokes") {
      o.invokes = std::atoi(value().c_str());
    } else if (a == "--bin-dir") {
      o.bin_dir = value();
    } else {
      std::fprintf(stderr, "usage: bench_runtime [--runs N] [--invokes N] [--bin-dir DIR]\n");
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.runs < 1 || o.invokes < 1) {
    std::fprintf(stderr, "bench_runtime: --runs and --invokes must be at least 1\n");
    std::exit(2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  o.bin_dir = fs::canonical("/proc/self/exe").parent_path();
  parse_args(argc, argv, o);

  struct subject {
    const char* name;
    fs::path path;
  };
  std::vector<subject> subjects = {
      {"floor (static C, GET /next only)", o.bin_dir / "bench_floor_client"},
      {"lambdakit hello, fully static", o.bin_dir / "bench_hello_static"},
      {"lambdakit hello, dynamic glibc", o.bin_dir / "bench_hello_dynamic"}};
  for (const auto& s : subjects) {
    if (!fs::exists(s.path)) {
      std::fprintf(stderr, "bench_runtime: %s is missing: run `make build` first\n",
                   s.path.c_str());
      return 1;
    }
  }

  utsname u{};
  ::uname(&u);
  std::printf("lambdakit %s runtime benchmark\n", lambdakit::version);
  std::printf("machine:  %s, %ld cores, Linux %s\n", cpu_model().c_str(),
              ::sysconf(_SC_NPROCESSORS_ONLN), u.release);
  std::printf("build:    %s, %s %s\n", LAMBDAKIT_BENCH_BUILD_TYPE, LAMBDAKIT_BENCH_COMPILER,
              LAMBDAKIT_BENCH_COMPILER_VERSION);
#ifndef NDEBUG
  std::printf("WARNING:  assertions are enabled; figures are not representative\n");
#endif
  std::printf("\n");

  // 1. Start-up, interleaved so that machine noise falls on every subject alike.
  std::vector<std::vector<double>> startup(subjects.size());
  std::vector<double> go1x_startup;
  for (int run = 0; run < o.runs; ++run) {
    for (std::size_t i = 0; i < subjects.size(); ++i) {
      session_options s;
      s.argv = {subjects[i].path.string()};
      session_result r = run_session(s);
      if (!r.error.empty()) {
        std::fprintf(stderr, "bench_runtime: %s: %s\n", subjects[i].name, r.error.c_str());
        return 1;
      }
      startup[i].push_back(r.spawn_to_first_next_us);
    }
    // The same static hello started as a go1.x function: spawn -> Ping answered.
    session_options s;
    s.argv = {subjects[1].path.string()};
    session_result r = run_go1x_session(s);
    if (!r.error.empty()) {
      std::fprintf(stderr, "bench_runtime: go1.x: %s\n", r.error.c_str());
      return 1;
    }
    go1x_startup.push_back(r.spawn_to_first_next_us);
  }
  double floor_median = median(startup[0]);
  std::printf("spawn -> first GET /next (%d runs each, interleaved)\n", o.runs);
  std::printf("  %-38s %10s %10s %8s\n", "", "median us", "p90 us", "x floor");
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    std::printf("  %-38s %10.0f %10.0f %8.2f\n", subjects[i].name, median(startup[i]),
                quantile(startup[i], 0.9), median(startup[i]) / floor_median);
  }
  std::printf("  %-38s %10.0f %10.0f %8.2f\n", "same, as go1.x (spawn -> Ping answered)",
              median(go1x_startup), quantile(go1x_startup, 0.9),
              median(go1x_startup) / floor_median);

  // 2. Warm round trip.
  session_options warm;
  warm.argv = {subjects[1].path.string()};
  warm.invocations = o.invokes;
  session_result w = run_session(warm);
  if (!w.error.empty()) std::fprintf(stderr, "bench_runtime: warm: %s\n", w.error.c_str());
  std::printf("\nwarm invoke, /next answer sent -> /response received (%d invokes of hello)\n",
              o.invokes);
  std::printf("  Runtime API: median %.1f us, p99 %.1f us\n", median(w.warm_round_trip_us),
              quantile(w.warm_round_trip_us, 0.99));
  session_result gw = run_go1x_session(warm);
  if (!gw.error.empty()) std::fprintf(stderr, "bench_runtime: go1.x warm: %s\n", gw.error.c_str());
  std::printf("  go1.x net/rpc (Invoke sent -> reply read): median %.1f us, p99 %.1f us\n",
              median(gw.warm_round_trip_us), quantile(gw.warm_round_trip_us, 0.99));

  // 3. Instructions.
  std::printf("\nuser-space instructions (valgrind callgrind)\n");
  if (have("valgrind")) {
    const int n = 1000;
    long long floor0 = callgrind_instructions(subjects[0].path, 0);
    long long hello0 = callgrind_instructions(subjects[1].path, 0);
    long long hello_n = callgrind_instructions(subjects[1].path, n);
    long long static0 = callgrind_instructions(subjects[2].path, 0);
    long long static_n = callgrind_instructions(subjects[2].path, n);
    std::printf("  %-38s %14s %16s\n", "", "start-up", "per warm invoke");
    std::printf("  %-38s %14lld %16s\n", subjects[0].name, floor0, "-");
    std::printf("  %-38s %14lld %16lld\n", subjects[1].name, hello0, (hello_n - hello0) / n);
    std::printf("  %-38s %14lld %16lld\n", subjects[2].name, static0, (static_n - static0) / n);
    long long go0 = callgrind_instructions(subjects[1].path, 0, true);
    long long go_n = callgrind_instructions(subjects[1].path, n, true);
    std::printf("  %-38s %14lld %16lld\n", "static hello as go1.x (net/rpc + gob)", go0,
                (go_n - go0) / n);
    std::printf("  target: <= 20,000 per warm invoke (aws-lambda-cpp, per design.md: ~196,000)\n");
  } else {
    std::printf("  skipped: valgrind is not installed\n");
  }

  // 4. Sizes.
  std::printf("\nsize, stripped binary and zip (as bootstrap)\n");
  if (have("strip") && have("zip")) {
    for (const auto& s : subjects) {
      auto [stripped, zipped] = package_sizes(s.path);
      std::printf("  %-38s %10.1f KB %10.1f KB\n", s.name, static_cast<double>(stripped) / 1024,
                  static_cast<double>(zipped) / 1024);
    }
  } else {
    std::printf("  skipped: strip or zip is not installed\n");
  }
  return 0;
}
