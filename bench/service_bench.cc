// bench_service: the local Lambda service against AWS's Runtime Interface Emulator, same binary
// (the hello example), same machine, one run:
//   cold   invoke latency when a new environment must start (the service: a configuration change
//          retires the warm one; RIE: a fresh emulator, which starts its runtime on first invoke)
//   warm   invoke latency, one caller on a keep-alive connection
//   load   warm throughput with several concurrent callers (RIE cannot run concurrent invokes)
// Usage: bench_service [--cold N] [--warm N] [--callers K] [--seconds S] [--bin-dir DIR] [--rie
// PATH]
#include <arpa/inet.h>
#include <fcntl.h>
#include <lambdakit/version.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/child.h"
#include "child.h"
#include "http.h"
#include "platform/http/client.h"
#include "stats.h"
#include "wire/base64.h"

namespace fs = std::filesystem;
using namespace lambdakit::bench;
namespace base = lambdakit::base;
using clock_type = std::chrono::steady_clock;

extern char** environ;

namespace {

struct options {
  int cold = 30;
  int warm = 2000;
  int callers = 4;
  double seconds = 3;
  fs::path bin_dir;
  fs::path rie;
  std::vector<std::string> serve_args;  // passed on to lambdakit serve
};

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

void wait_accepting(unsigned short port) {
  for (int i = 0; i < 1000; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return;
    ::usleep(1000);
  }
  throw std::runtime_error("port " + std::to_string(port) + " never accepted");
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void row(const char* what, const char* who, const std::vector<double>& v) {
  std::printf("  %-6s %-24s %10.3f %10.3f %8zu\n", what, who, median(v), quantile(v, 0.99),
              v.size());
}

const std::string invoke_target = "/2015-03-31/functions/hello/invocations";
const std::string rie_target = "/2015-03-31/functions/function/invocations";

}  // namespace

int main(int argc, char** argv) {
  options o;
  o.bin_dir = fs::canonical("/proc/self/exe").parent_path();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--cold")
      o.cold = std::atoi(next().c_str());
    else if (a == "--warm")
      o.warm = std::atoi(next().c_str());
    else if (a == "--callers")
      o.callers = std::atoi(next().c_str());
    else if (a == "--seconds")
      o.seconds = std::atof(next().c_str());
    else if (a == "--bin-dir")
      o.bin_dir = next();
    else if (a == "--serve-arg")
      o.serve_args.push_back(next());
    else if (a == "--rie")
      o.rie = next();
    else {
      std::fprintf(stderr,
                   "usage: bench_service [--cold N] [--warm N] [--callers K] [--seconds S] "
                   "[--bin-dir DIR] [--rie PATH]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (o.rie.empty()) o.rie = o.bin_dir / "../../../.deps/bin/aws-lambda-rie";
  fs::path hello = o.bin_dir / "hello", lambdakit = o.bin_dir / "lambdakit";
  for (const auto& p : {hello, lambdakit, o.rie}) {
    if (!fs::exists(p)) {
      std::fprintf(stderr,
                   "bench_service: %s is missing (make build; scripts/install-deps for RIE)\n",
                   p.c_str());
      return 1;
    }
  }
  fs::path work = fs::temp_directory_path() / ("lambdakit-bench-" + std::to_string(::getpid()));
  fs::create_directories(work / "zip");
  fs::copy_file(hello, work / "zip/bootstrap");
  if (auto z =
          base::run_tool({"zip", "-q", "-X", "function.zip", "bootstrap"}, false, work / "zip");
      !z || z->exit_code != 0) {
    std::fprintf(stderr, "bench_service: zip failed\n");
    return 1;
  }
  std::string zip = read_file(work / "zip/function.zip");

  std::printf(
      "lambdakit %s service benchmark: lambdakit serve vs aws-lambda-rie, the hello example\n",
      lambdakit::version);
  std::printf("machine:  %u cores; build: %s\n\n", std::thread::hardware_concurrency(),
              LAMBDAKIT_BENCH_BUILD_TYPE);

  std::vector<double> lk_cold, lk_warm, rie_cold, rie_warm;
  nlohmann::json phases;
  double throughput = 0;
  {
    std::vector<std::string> serve_argv = {lambdakit.string(),
                                           "serve",
                                           "--port",
                                           "0",
                                           "--state-dir",
                                           (work / "state").string(),
                                           "--log-level",
                                           "error",
                                           "--idle-timeout",
                                           "600",
                                           "--max-concurrency",
                                           std::to_string(o.callers + 2)};
    serve_argv.insert(serve_argv.end(), o.serve_args.begin(), o.serve_args.end());
    child serve(serve_argv, {}, true);
    std::string line = serve.read_line(10000);
    auto port = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
    lambdakit::platform::http::client c("127.0.0.1", port);
    nlohmann::json create = {{"FunctionName", "hello"},
                             {"Role", "arn:aws:iam::000000000000:role/bench"},
                             {"Runtime", "provided.al2023"},
                             {"Handler", "bootstrap"},
                             {"Code", {{"ZipFile", lambdakit::wire::base64::encode(zip)}}}};
    auto r = request_or_throw(c, "POST", "/2015-03-31/functions", create.dump(),
                              {{"Content-Type", "application/json"}});
    if (r.status != 201) {
      std::fprintf(stderr, "bench_service: CreateFunction answered %d: %s\n", r.status,
                   r.body.c_str());
      return 1;
    }
    for (int i = 0; i < o.cold; ++i) {
      nlohmann::json cfg = {{"Environment", {{"Variables", {{"ROUND", std::to_string(i)}}}}}};
      request_or_throw(c, "PUT", "/2015-03-31/functions/hello/configuration", cfg.dump(),
                       {{"Content-Type", "application/json"}});
      auto t = clock_type::now();
      auto res = request_or_throw(c, "POST", invoke_target, "{}");
      lk_cold.push_back(ms_since(t));
      if (res.status != 200)
        return std::fprintf(stderr, "cold invoke answered %d\n", res.status), 1;
    }
    auto recs = nlohmann::json::parse(
        request_or_throw(c, "GET", "/lambdakit/v1/invocations?function=hello").body);
    std::vector<double> spawn, init, invoke, overhead;
    for (const auto& rec : recs["invocations"]) {
      if (!rec["cold"].get<bool>()) continue;
      spawn.push_back(rec["phases_ms"]["spawn"]);
      init.push_back(rec["phases_ms"]["init"]);
      invoke.push_back(rec["phases_ms"]["invoke"]);
      overhead.push_back(rec["phases_ms"]["overhead"].get<double>() +
                         rec["phases_ms"]["queue"].get<double>());
    }
    phases = {{"spawn", median(spawn)},
              {"init", median(init)},
              {"invoke", median(invoke)},
              {"service", median(overhead)}};
    for (int i = 0; i < o.warm; ++i) {
      auto t = clock_type::now();
      request_or_throw(c, "POST", invoke_target, "{}");
      lk_warm.push_back(ms_since(t));
    }
    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> callers;
    for (int k = 0; k < o.callers; ++k) {
      callers.emplace_back([&] {
        lambdakit::platform::http::client mine("127.0.0.1", port);
        while (!stop) {
          if (request_or_throw(mine, "POST", invoke_target, "{}").status == 200) ++done;
        }
      });
    }
    auto t = clock_type::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    stop = true;
    for (auto& th : callers) th.join();
    throughput = static_cast<double>(done) / (ms_since(t) / 1000);
  }
  // The sandbox's price: cold starts of a service with the full sandbox (the default as root:
  // PID/mount/IPC/UTS namespaces, uid 993, the state hidden, the Runtime API peer check) and
  // one with --sandbox none, running side by side, rounds alternating.
  std::vector<double> full_cold, none_cold;
  {
    struct side {
      std::unique_ptr<child> serve;
      std::unique_ptr<lambdakit::platform::http::client> c;
      std::vector<double>* out;
    };
    std::vector<side> sides;
    int k = 0;
    for (auto [mode, out] : {std::pair{"auto", &full_cold}, std::pair{"none", &none_cold}}) {
      std::vector<std::string> serve_cmd = {
          lambdakit.string(), "serve",
          "--port",           "0",
          "--state-dir",      (work / ("state-" + std::to_string(k++))).string(),
          "--log-level",      "error",
          "--idle-timeout",   "600",
          "--sandbox",        mode};
      side sd{std::make_unique<child>(serve_cmd, std::vector<std::string>{}, true), nullptr, out};
      std::string line = sd.serve->read_line(10000);
      auto port = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
      sd.c = std::make_unique<lambdakit::platform::http::client>("127.0.0.1", port);
      nlohmann::json create = {{"FunctionName", "hello"},
                               {"Role", "arn:aws:iam::000000000000:role/bench"},
                               {"Runtime", "provided.al2023"},
                               {"Handler", "bootstrap"},
                               {"Code", {{"ZipFile", lambdakit::wire::base64::encode(zip)}}}};
      request_or_throw(*sd.c, "POST", "/2015-03-31/functions", create.dump(),
                       {{"Content-Type", "application/json"}});
      sides.push_back(std::move(sd));
    }
    for (int i = 0; i < o.cold; ++i) {
      for (auto& sd : sides) {
        nlohmann::json cfg = {{"Environment", {{"Variables", {{"ROUND", std::to_string(i)}}}}}};
        request_or_throw(*sd.c, "PUT", "/2015-03-31/functions/hello/configuration", cfg.dump(),
                         {{"Content-Type", "application/json"}});
        auto t = clock_type::now();
        request_or_throw(*sd.c, "POST", invoke_target, "{}");
        sd.out->push_back(ms_since(t));
      }
    }
  }
  int rie_rounds = std::max(1, std::min(o.cold, 15));
  for (int i = 0; i <= rie_rounds; ++i) {
    unsigned short port = free_port(), api = free_port();
    child rie({o.rie.string(), "--runtime-interface-emulator-address",
               "127.0.0.1:" + std::to_string(port), "--runtime-api-address",
               "127.0.0.1:" + std::to_string(api), "--log-level", "error", hello.string()},
              {"AWS_LAMBDA_FUNCTION_TIMEOUT=30"}, false);
    wait_accepting(port);
    lambdakit::platform::http::client c("127.0.0.1", port);
    auto t = clock_type::now();
    request_or_throw(c, "POST", rie_target, "{}");
    rie_cold.push_back(ms_since(t));
    if (i == rie_rounds) {
      for (int w = 0; w < o.warm; ++w) {
        auto tw = clock_type::now();
        request_or_throw(c, "POST", rie_target, "{}");
        rie_warm.push_back(ms_since(tw));
      }
    }
  }
  fs::remove_all(work);

  std::printf("  %-6s %-24s %10s %10s %8s\n", "", "", "median ms", "p99 ms", "samples");
  row("cold", "lambdakit serve", lk_cold);
  row("cold", "aws-lambda-rie", rie_cold);
  row("cold", "serve, full sandbox", full_cold);
  row("cold", "serve, --sandbox none", none_cold);
  row("warm", "lambdakit serve", lk_warm);
  row("warm", "aws-lambda-rie", rie_warm);
  std::printf("\n  warm, lambdakit / RIE: %.2fx (target <= 0.5x)\n",
              median(lk_warm) / median(rie_warm));
  std::printf(
      "  cold, lambdakit serve: %.2f ms median end to end (target <= 10 ms); of which spawn %.3f, "
      "init %.3f, "
      "invoke %.3f, service %.3f ms\n",
      median(lk_cold), phases["spawn"].get<double>(), phases["init"].get<double>(),
      phases["invoke"].get<double>(), phases["service"].get<double>());
  std::printf(
      "  cold, the full sandbox adds %.3f ms to a cold start (median, side by side; target <= "
      "0.5 ms)\n",
      median(full_cold) - median(none_cold));
  std::printf(
      "  load, lambdakit serve: %.0f invokes/s with %d concurrent callers (RIE: one invoke at a "
      "time)\n",
      throughput, o.callers);
  return 0;
}
