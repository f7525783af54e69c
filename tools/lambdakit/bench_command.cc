// `lambdakit bench`: the cold/warm-start experiment on a local service of its own (or on the one
// --endpoint names): every function of the manifest created afresh per round, invoked cold and
// warm, deleted; then the zip-size padding run. Writes results.csv, summary.json and table.txt
// to --out, prints the table, and draws the plots and the HTML report (scripts/bench-report).
#include <fcntl.h>
#include <lambdakit/version.h>
#include <poll.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "base/child.h"
#include "base/unique_fd.h"
#include "bench/experiment.h"
#include "bench/function_set.h"
#include "bench/results.h"
#include "commands.h"
#include "platform/http/client.h"
#include "runtimes/registry.h"

namespace lambdakit::cli {
namespace fs = std::filesystem;
namespace {

struct bench_options {
  int runs = 40;
  bool quick = false;
  std::string functions;
  std::string out = "bench-results";
  std::string manifest;
  std::string endpoint;
  int memory_mb = 128;
  std::string padding_sizes = "0.1,1,5,10,25,45";
  std::string padding_function = "cpp-provided.al2023";
  int padding_runs = 5;
  bool plots = true;
  bool padding_given = false;  // --padding-sizes on the command line (wins over --quick's)
  bool aws = false;            // the same experiment on AWS itself
  std::string role, region;
};

// Ctrl-C (or SIGTERM) stops the run between steps; what it created is deleted on the way out.
std::atomic<bool> stop_requested{false};
// A second one stops at once (the default action), for a run stuck in a request.
extern "C" void request_stop(int sig) {
  if (stop_requested.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// lambdakit serve on a free port, as a child in its own process group, stopped on destruction.
class local_service {
 public:
  // serve's own messages go to `log` (its tail is shown if it does not start).
  local_service(const fs::path& state, const fs::path& log) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    base::unique_fd read_end(fds[0]), write_end(fds[1]);
    base::child_spec spec;
    spec.argv = {fs::canonical("/proc/self/exe").string(),
                 "serve",
                 "--port",
                 "0",
                 "--state-dir",
                 state.string(),
                 "--log-level",
                 "error"};
    spec.out = base::child_io::fd;
    spec.out_fd = write_end.get();
    base::unique_fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    spec.err = log_fd ? base::child_io::fd : base::child_io::null;
    spec.err_fd = log_fd.get();
    spec.own_process_group = true;
    auto pid = base::start_child(spec);
    if (!pid) throw std::runtime_error("cannot start lambdakit serve: " + pid.error().message());
    pid_ = *pid;
    write_end.reset();
    std::string line;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{read_end.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(read_end.get(), &c, 1) != 1) break;
      if (c == '\n') break;
      line.push_back(c);
    }
    auto colon = line.rfind(':');
    if (line.find("listening on") == std::string::npos || colon == std::string::npos) {
      ::kill(-pid_, SIGKILL);  // the destructor does not run for a constructor that throws
      ::waitpid(pid_, nullptr, 0);
      std::ifstream in(log);
      std::stringstream said;
      said << in.rdbuf();
      throw std::runtime_error("lambdakit serve did not start: " + line + said.str());
    }
    url_ = line.substr(line.find("http://"));
    port_ = static_cast<unsigned short>(std::strtoul(line.c_str() + colon + 1, nullptr, 10));
    out_ = std::move(read_end);  // kept open: serve may write more
  }
  ~local_service() {
    ::kill(-pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 5000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(1000);
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  local_service(const local_service&) = delete;
  local_service& operator=(const local_service&) = delete;
  unsigned short port() const { return port_; }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = 0;
  unsigned short port_ = 0;
  std::string url_;
  base::unique_fd out_;
};

std::string read_first_line(const char* path, const char* key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) {
      auto colon = line.find(':');
      auto v = line.substr(colon + 1);
      return v.substr(v.find_first_not_of(" \t"));
    }
  }
  return {};
}

std::string machine_facts() {
  utsname u{};
  ::uname(&u);
  std::string cpu = read_first_line("/proc/cpuinfo", "model name");
  return std::string(u.sysname) + " " + u.release + " " + u.machine + ", " +
         std::to_string(std::thread::hardware_concurrency()) + " cores" +
         (cpu.empty() ? "" : ", " + cpu);
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out);
}

result<std::vector<std::uint64_t>> parse_sizes(const std::string& text) {
  std::vector<std::uint64_t> out;
  if (text.empty() || text == "none") return out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    double mb = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || !(mb > 0 && mb <= 48)) {
      return make_failure(std::make_error_code(std::errc::invalid_argument),
                          "--padding-sizes: \"" + item +
                              "\" is not a size in MB between 0 and 48 (a zip may be 50 MB)");
    }
    out.push_back(static_cast<std::uint64_t>(mb * 1e6));
  }
  return out;
}

void show_progress(const bench::progress_event& e, bool tty) {
  const auto& s = *e.sample;
  char line[256];
  std::snprintf(line, sizeof line, "bench: round %d/%d  %zu/%zu  %-28s %s %8.3f ms%s%s", e.round,
                e.rounds, e.done, e.total, s.function.c_str(), s.cold ? "cold" : "warm",
                s.client_ms, s.status == "success" ? "" : "  ",
                s.status == "success" ? "" : s.status.c_str());
  if (tty) {
    std::fprintf(stderr, "\r\033[K%s", line);
  } else if (e.done == e.total || e.done % 20 == 0) {
    std::fprintf(stderr, "%s\n", line);
  }
}

int run_bench(const bench_options& o) {
  if (o.quick) std::fprintf(stderr, "bench: --quick: 3 rounds, 2 padding sizes\n");
  int rounds = o.quick ? 3 : o.runs;
  if (rounds < 1) {
    std::fprintf(stderr, "lambdakit bench: --runs must be at least 1\n");
    return 2;
  }
  auto sizes = parse_sizes(o.quick && !o.padding_given ? "1,10" : o.padding_sizes);
  if (!sizes) {
    std::fprintf(stderr, "lambdakit bench: %s\n", sizes.error().detail.c_str());
    return 2;
  }
  fs::path manifest = o.manifest.empty()
                          ? fs::path(LAMBDAKIT_SOURCE_DIR) / "build/bench/functions/manifest.tsv"
                          : fs::path(o.manifest);
  auto all = bench::read_manifest(manifest);
  if (!all) {
    std::fprintf(stderr, "lambdakit bench: %s\n", all.error().detail.c_str());
    return 1;
  }
  auto functions = bench::select_functions(*all, o.functions);
  if (!functions) {
    std::fprintf(stderr, "lambdakit bench: --functions: %s\n", functions.error().detail.c_str());
    return 2;
  }
  fs::path work = fs::temp_directory_path() / ("lambdakit-bench-" + std::to_string(::getpid()));
  fs::create_directories(work);
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup_work{work};

  // From here on Ctrl-C stops between steps and cleans up (the service, the work folder, the
  // functions created).
  struct sigaction sa {};
  sa.sa_handler = request_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::vector<bench::function_code> code;
  for (const auto& f : *functions) {
    auto c = bench::load_code(f, work / "code");
    if (!c) {
      std::fprintf(stderr, "lambdakit bench: %s\n", c.error().detail.c_str());
      return 1;
    }
    code.push_back(std::move(*c));
  }

  std::unique_ptr<local_service> service;
  std::string endpoint_url = o.endpoint;
  std::optional<aws::found_credentials> creds;
  std::string region = o.region;
  if (o.aws) {
    if (o.role.empty()) {
      std::fprintf(stderr,
                   "lambdakit bench: --aws needs --role <execution role ARN> (a role "
                   "Lambda can assume, with AWSLambdaBasicExecutionRole)\n");
      return 2;
    }
    if (region.empty()) region = aws::find_region();
    creds = aws::find_credentials();
    if (region.empty() || !creds) {
      std::fprintf(stderr, "lambdakit bench: --aws needs %s\n",
                   region.empty() ? "a region: pass --region, set AWS_REGION, or put region in "
                                    "~/.aws/config"
                                  : "credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                                    "or run `aws configure`");
      return 2;
    }
    if (endpoint_url.empty()) {
      const char* e = std::getenv("AWS_ENDPOINT_URL_LAMBDA");
      endpoint_url = e != nullptr && *e != '\0' ? e : "https://lambda." + region + ".amazonaws.com";
    }
    // AWS no longer creates functions on retired runtimes (go1.x): those rows are left out.
    std::vector<bench::function_spec> kept;
    std::vector<bench::function_code> kept_code;
    for (std::size_t i = 0; i < functions->size(); ++i) {
      const auto* row = runtimes::find((*functions)[i].runtime);
      std::string why = row != nullptr ? runtimes::aws_create_refusal(*row) : "";
      if (!why.empty()) {
        std::fprintf(stderr, "bench: %s left out on AWS: %s\n", (*functions)[i].name.c_str(),
                     why.c_str());
        continue;
      }
      kept.push_back((*functions)[i]);
      kept_code.push_back(std::move(code[i]));
    }
    *functions = std::move(kept);
    code = std::move(kept_code);
    if (functions->empty()) {
      std::fprintf(stderr, "lambdakit bench: no function is left to run on AWS\n");
      return 2;
    }
  }
  try {
    if (endpoint_url.empty()) {
      service = std::make_unique<local_service>(work / "state", work / "serve.log");
      endpoint_url = service->url();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambdakit bench: %s\n", e.what());
    return 1;
  }
  auto ep = platform::http::parse_endpoint_url(endpoint_url);
  if (!ep) {
    std::fprintf(stderr, "lambdakit bench: --endpoint: \"%s\" is not an http(s) URL\n",
                 endpoint_url.c_str());
    return 2;
  }
  platform::http::client client(*ep);
  bench::api_call api = [&](const std::string& method, const std::string& target,
                            const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers)
      -> result<bench::api_answer> {
    auto signed_headers = headers;
    if (creds) {  // SigV4 for AWS, as `lambdakit deploy` signs
      auto q = target.find('?');
      aws::signing_request sr{method,
                              client.host_header(),
                              target.substr(0, q),
                              q == std::string::npos ? "" : target.substr(q + 1),
                              headers,
                              body};
      for (auto& h : aws::sign(sr, creds->keys, region, "lambda", aws::amz_date_now())) {
        signed_headers.push_back(std::move(h));
      }
    }
    auto r = client.request(method, target, body, signed_headers);
    if (!r) return std::move(r).error();
    return bench::api_answer{r->status, std::move(r->body), std::move(r->headers)};
  };

  bool tty = ::isatty(2) != 0;
  bench::experiment_config config;
  config.rounds = rounds;
  config.memory_mb = o.memory_mb;
  config.on_progress = [tty](const bench::progress_event& e) { show_progress(e, tty); };
  config.service_phases = !o.aws;
  if (o.aws) {
    config.role = o.role;
    config.name_prefix = "lambdakit-bench";
  }
  config.stop = &stop_requested;
  std::fprintf(stderr, "bench: %zu functions, %d rounds, on %s\n", functions->size(), rounds,
               endpoint_url.c_str());
  if (auto why = bench::name_problem(*functions, config); !why.empty()) {
    std::fprintf(stderr, "lambdakit bench: %s\n", why.c_str());
    return 2;
  }
  if (stop_requested.load()) {
    std::fprintf(stderr, "lambdakit bench: interrupted before the first round\n");
    return 1;
  }
  auto run = bench::run_experiment(api, *functions, code, config);
  if (tty) std::fprintf(stderr, "\n");
  int code_out = 0;
  if (run.failed) {  // what was measured before is still written
    std::fprintf(stderr, "lambdakit bench: %s (the results hold the %zu invocations before)\n",
                 run.failed->message().c_str(), run.samples.size());
    code_out = 1;
  }
  std::vector<bench::invocation_sample>* samples = &run.samples;
  std::vector<bench::invocation_sample> padded;
  if (!sizes->empty() && !run.failed) {
    std::size_t at = 0;
    while (at < functions->size() && (*functions)[at].name != o.padding_function) ++at;
    if (at == functions->size()) {
      std::fprintf(stderr, "bench: padding run skipped: %s is not among the functions\n",
                   o.padding_function.c_str());
    } else {
      std::fprintf(stderr, "bench: zip size run: %s padded to %zu sizes\n",
                   o.padding_function.c_str(), sizes->size());
      auto p = bench::run_padding(api, (*functions)[at], code[at], *sizes,
                                  o.quick ? 2 : o.padding_runs, config);
      if (tty) std::fprintf(stderr, "\n");
      if (p.failed) {
        std::fprintf(stderr, "lambdakit bench: the padding run: %s\n", p.failed->message().c_str());
        code_out = 1;
      }
      padded = std::move(p.samples);
    }
  }

  bool local = service != nullptr;
  service.reset();  // every environment stopped before the figures are written
  auto summaries = bench::summarize_functions(*samples, *functions, code);
  auto fit = bench::fit_padding(padded);
  bench::run_facts facts;
  facts.date_utc = utc_now();
  facts.machine = machine_facts();
  facts.lambdakit_version = version;
  facts.build_type = LAMBDAKIT_BUILD_TYPE;
  facts.endpoint = local   ? "lambdakit serve (local, started by bench)"
                   : o.aws ? "AWS Lambda, " + region + " (" + endpoint_url + ")"
                           : endpoint_url;
  facts.rounds = rounds;
  facts.memory_mb = o.memory_mb;
  std::string table = bench::render_table(summaries, fit);
  for (const auto& m : bench::missing_functions(manifest)) {
    table += "\n  missing (its toolchain is not on this machine): " + m;
  }

  fs::path out = o.out;
  std::error_code ec;
  fs::create_directories(out, ec);
  std::vector<bench::invocation_sample> all_samples = *samples;
  all_samples.insert(all_samples.end(), padded.begin(), padded.end());
  std::string header = "lambdakit " + std::string(version) + " bench, " + facts.date_utc + "\n" +
                       "machine: " + facts.machine + "; build: " + facts.build_type + "\n" +
                       "service: " + facts.endpoint + "; " + std::to_string(rounds) +
                       " rounds; memory " + std::to_string(o.memory_mb) + " MB\n\n";
  if (!write_file(out / "results.csv", bench::to_csv(all_samples)) ||
      !write_file(out / "summary.json", bench::to_json(facts, summaries, fit)) ||
      !write_file(out / "table.txt", header + table)) {
    std::fprintf(stderr, "lambdakit bench: cannot write to %s\n", out.c_str());
    return 1;
  }
  std::printf("%s%s\n", header.c_str(), table.c_str());
  std::printf("wrote %s/results.csv, summary.json, table.txt\n", out.c_str());
  std::fflush(stdout);

  std::size_t errors = 0;
  for (const auto& s : summaries) errors += s.errors;
  for (const auto& s : padded) errors += s.status != "success" ? 1 : 0;
  if (errors > 0) {
    std::fprintf(stderr, "lambdakit bench: %zu invocations failed (see the status column)\n",
                 errors);
    code_out = 1;
  }
  if (o.plots) {
    fs::path report = fs::path(LAMBDAKIT_SOURCE_DIR) / "scripts/bench-report";
    base::child_spec spec;
    spec.argv = {"python3", report.string(), "--out", out.string()};
    spec.search_path = true;
    auto r = base::run_child(spec, false);
    if (!r || r->exit_code != 0) {
      std::fprintf(stderr,
                   "lambdakit bench: the plots and report were not made (%s); run "
                   "scripts/install-deps for matplotlib, or pass --no-plots\n",
                   r ? ("scripts/bench-report exited " + std::to_string(r->exit_code)).c_str()
                     : r.error().message().c_str());
      code_out = 1;
    }
  }
  return code_out;
}

}  // namespace

void add_bench(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<bench_options>();
  auto* cmd = app.add_subcommand(
      "bench",
      "The cold/warm-start experiment: every function of the manifest created afresh, invoked "
      "cold and warm, per round; CSV, JSON, table, plots and an HTML report");
  cmd->add_option("--runs", o->runs, "Rounds (one cold and one warm invoke per function each)")
      ->capture_default_str();
  cmd->add_flag("--quick", o->quick, "3 rounds and a short padding run (fits in a test)");
  cmd->add_option("--functions", o->functions,
                  "Comma-separated function names or prefixes ending in '*' (default: all)");
  cmd->add_option("--out", o->out, "Where results.csv, summary.json, plots and report go")
      ->capture_default_str();
  cmd->add_option("--manifest", o->manifest,
                  "The functions (written by scripts/bench-functions; default "
                  "build/bench/functions/manifest.tsv in the source tree)");
  cmd->add_option("--endpoint", o->endpoint,
                  "A running Lambda API to use instead of starting lambdakit serve");
  cmd->add_option("--memory", o->memory_mb, "MemorySize of every function")->capture_default_str();
  cmd->add_option("--padding-sizes", o->padding_sizes,
                  "Zip padding sizes in MB for the size-vs-cold-start run ('none' to skip)")
      ->capture_default_str();
  cmd->add_option("--padding-function", o->padding_function, "The function padded")
      ->capture_default_str();
  cmd->add_option("--padding-runs", o->padding_runs, "Cold invokes per padding size")
      ->capture_default_str();
  cmd->add_flag("!--no-plots", o->plots, "Skip the plots and the HTML report");
  cmd->add_flag("--aws", o->aws,
                "Run on AWS Lambda itself (SigV4 with the aws CLI's credentials; every function "
                "created is deleted, also on Ctrl-C)");
  cmd->add_option("--role", o->role, "--aws: the execution role ARN the functions get");
  cmd->add_option("--region", o->region, "--aws: the region (default: AWS_REGION, ~/.aws/config)");
  cmd->callback([o, cmd, &exit_code] {
    o->padding_given = cmd->get_option("--padding-sizes")->count() > 0;
    exit_code = run_bench(*o);
  });
}

}  // namespace lambdakit::cli
