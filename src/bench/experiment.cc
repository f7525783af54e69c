#include "bench/experiment.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <tuple>

#include "base/random.h"
#include "wire/base64.h"

namespace lambdakit::bench {
namespace {

using clock_type = std::chrono::steady_clock;
std::vector<std::pair<std::string, std::string>> json_type() {
  return {{"Content-Type", "application/json"}};
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

failure unexpected(const std::string& what, const api_answer& a) {
  return make_failure(
      std::make_error_code(std::errc::protocol_error),
      what + " answered " + std::to_string(a.status) + ": " + a.body.substr(0, 400));
}

// A function this run created, deleted when it goes (also when the run fails half-way).
class deployed {
 public:
  deployed(const api_call& api, std::string name) : api_(api), name_(std::move(name)) {}
  ~deployed() {
    if (name_.empty()) return;
    for (int attempt = 0; attempt < 4; ++attempt) {
      try {
        auto r = api_("DELETE", "/2015-03-31/functions/" + name_, {}, {});
        if (r && (r->status == 204 || r->status == 200 || r->status == 404)) return;
      } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; retried
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    }
    std::fprintf(stderr,
                 "bench: could not delete function %s; delete it with: aws lambda "
                 "delete-function --function-name %s\n",
                 name_.c_str(), name_.c_str());
  }
  deployed(const deployed&) = delete;
  deployed& operator=(const deployed&) = delete;
  const std::string& name() const { return name_; }

 private:
  const api_call& api_;
  std::string name_;
};

std::optional<double> number_after(std::string_view log, std::string_view key) {
  auto at = log.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string rest(log.substr(at + key.size(), 32));
  char* end = nullptr;
  double v = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str()) return std::nullopt;
  return v;
}

result<void> check_stop(const experiment_config& config) {
  if (config.stop != nullptr && config.stop->load()) {
    return make_failure(std::make_error_code(std::errc::interrupted),
                        "interrupted: the function in flight was deleted");
  }
  return {};
}

result<void> create(const api_call& api, const std::string& name, const function_spec& f,
                    const std::string& zip, const experiment_config& config, double& ms) {
  if (auto stopped = check_stop(config); !stopped) return stopped;
  nlohmann::json body = {
      {"FunctionName", name},           {"Role", config.role},
      {"Runtime", f.runtime},           {"Handler", f.handler},
      {"MemorySize", config.memory_mb}, {"Timeout", 30},
      {"Architectures", {"x86_64"}},    {"Code", {{"ZipFile", wire::base64::encode(zip)}}}};
  auto t = clock_type::now();
  auto r = api("POST", "/2015-03-31/functions", body.dump(), json_type());
  ms = ms_since(t);
  if (!r) return std::move(r).error();
  if (r->status != 201) return unexpected("CreateFunction " + name, *r);
  // AWS creates a function Pending and invokes it only once Active: wait as the aws CLI's
  // function-active-v2 waiter does (the local service answers Active at once).
  auto state_of = [](const std::string& json) {
    auto doc = nlohmann::json::parse(json, nullptr, false);
    return doc.is_object() && doc.contains("State") && doc["State"].is_string()
               ? std::pair{doc["State"].get<std::string>(), doc.value("StateReason", std::string())}
               : std::pair{std::string("Active"), std::string()};
  };
  auto [state, reason] = state_of(r->body);
  for (int i = 0; state == "Pending" && i < 600; ++i) {
    if (config.stop != nullptr && config.stop->load()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(i < 20 ? 100 : 1000));
    auto c = api("GET", "/2015-03-31/functions/" + name + "/configuration", {}, {});
    if (!c) return std::move(c).error();
    if (c->status != 200) return unexpected("GetFunctionConfiguration " + name, *c);
    std::tie(state, reason) = state_of(c->body);
  }
  if (auto stopped = check_stop(config); !stopped) return stopped;
  if (state != "Active") {
    return make_failure(
        std::make_error_code(std::errc::protocol_error),
        "function " + name + " is " + state + (reason.empty() ? "" : ": " + reason));
  }
  return {};
}

result<void> invoke(const api_call& api, const std::string& name, invocation_sample& s,
                    std::string& request_id, const experiment_config& config) {
  if (auto stopped = check_stop(config); !stopped) return stopped;
  std::vector<std::pair<std::string, std::string>> headers = json_type();
  headers.emplace_back("X-Amz-Log-Type", "Tail");
  s.unix_ms = unix_ms_now();
  auto t = clock_type::now();
  auto r = api("POST", "/2015-03-31/functions/" + name + "/invocations", "{}", headers);
  s.client_ms = ms_since(t);
  if (!r) return std::move(r).error();
  if (r->status != 200) return unexpected("Invoke " + name, *r);
  request_id = r->header("x-amzn-RequestId");
  if (auto fe = r->header("X-Amz-Function-Error"); !fe.empty()) {
    s.status = "error";
    auto body = nlohmann::json::parse(r->body, nullptr, false);
    s.error = body.is_object() && body.contains("errorType") && body["errorType"].is_string()
                  ? body["errorType"].get<std::string>()
                  : fe;
  }
  if (auto log = r->header("X-Amz-Log-Result"); !log.empty()) {
    if (auto text = wire::base64::decode(log)) read_report(*text, s);
  }
  return {};
}

// The service's phases for the invocations of `name`, matched by request id.
void add_phases(const api_call& api, const std::string& name,
                const std::vector<std::pair<std::string, invocation_sample*>>& wanted) {
  auto r = api("GET", "/lambdakit/v1/invocations?function=" + name + "&limit=10", {}, {});
  if (!r || r->status != 200) return;
  auto doc = nlohmann::json::parse(r->body, nullptr, false);
  if (!doc.is_object() || !doc.contains("invocations") || !doc["invocations"].is_array()) return;
  for (const auto& inv : doc["invocations"]) {
    if (!inv.is_object() || !inv.contains("request_id") || !inv["request_id"].is_string()) continue;
    for (const auto& [id, s] : wanted) {
      if (inv["request_id"].get<std::string>() != id) continue;
      auto num = [&](const nlohmann::json& o, const char* k) -> std::optional<double> {
        if (o.is_object() && o.contains(k) && o[k].is_number()) return o[k].get<double>();
        return std::nullopt;
      };
      const auto& p = inv.contains("phases_ms") ? inv["phases_ms"] : nlohmann::json();
      s->queue_ms = num(p, "queue");
      s->extract_ms = num(p, "extract");
      s->spawn_ms = num(p, "spawn");
      s->init_ms = num(p, "init");
      s->invoke_ms = num(p, "invoke");
      s->overhead_ms = num(p, "overhead");
      s->total_ms = num(inv, "total_ms");
      if (inv.contains("status") && inv["status"].is_string()) {
        s->status = inv["status"].get<std::string>();
      }
      if (!s->max_memory_mb) {
        if (auto m = num(inv, "max_memory_mb")) s->max_memory_mb = static_cast<int>(*m);
      }
    }
  }
}

std::string nonce() {
  return base::random_hex(32);
}

// Function names take letters, digits, '-' and '_': "cpp-provided.al2023" deploys as
// "cpp-provided_al2023".
std::string deployable(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return name;
}

std::string deployed_name(const experiment_config& config, const std::string& run_id, int round,
                          const std::string& function) {
  return deployable(config.name_prefix + "-" + run_id + "-" + std::to_string(round) + "-" +
                    function);
}

std::string padding(std::uint64_t n) {
  std::string out(n, '\0');
  std::mt19937_64 g(std::random_device{}());
  for (std::size_t i = 0; i + 8 <= out.size(); i += 8) {
    std::uint64_t v = g();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

invocation_sample base_sample(const function_spec& f, const experiment_config& config, int round,
                              std::uint64_t zip_bytes, const function_code& code) {
  invocation_sample s;
  s.function = f.name;
  s.runtime = f.runtime;
  s.round = round;
  s.memory_mb = config.memory_mb;
  s.zip_bytes = zip_bytes;
  s.unzipped_bytes = code.unzipped_bytes;
  return s;
}

}  // namespace

std::string api_answer::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

void read_report(std::string_view log, invocation_sample& s) {
  auto at = log.rfind("REPORT RequestId:");
  if (at == std::string_view::npos) return;
  std::string_view report = log.substr(at);
  report = report.substr(0, report.find('\n'));
  s.duration_ms = number_after(report, "\tDuration: ");
  if (!s.duration_ms) s.duration_ms = number_after(report, " Duration: ");
  s.init_duration_ms = number_after(report, "Init Duration: ");
  if (auto m = number_after(report, "Max Memory Used: ")) s.max_memory_mb = static_cast<int>(*m);
}

namespace {

// One invocation sample per cold and warm invoke into `out`, round after round; the first failure
// ends the run (the function in flight is deleted on the way out).
result<void> experiment_rounds(const api_call& api, const std::vector<function_spec>& functions,
                               const std::vector<function_code>& code,
                               const experiment_config& config,
                               std::vector<invocation_sample>& out) {
  std::size_t total = functions.size() * static_cast<std::size_t>(config.rounds) * 2;
  std::string run_id = base::random_hex(6);
  for (int round = 1; round <= config.rounds; ++round) {
    for (std::size_t k = 0; k < functions.size(); ++k) {
      std::size_t i = (k + static_cast<std::size_t>(round - 1)) % functions.size();
      const function_spec& f = functions[i];
      std::string zip = fresh_zip(code[i], nonce());
      deployed fn(api, deployed_name(config, run_id, round, f.name));
      double create_ms = 0;
      if (auto r = create(api, fn.name(), f, zip, config, create_ms); !r) return r;
      invocation_sample cold = base_sample(f, config, round, zip.size(), code[i]);
      cold.create_ms = create_ms;
      invocation_sample warm = cold;
      warm.cold = false;
      warm.create_ms = 0;
      std::string cold_id, warm_id;
      if (auto r = invoke(api, fn.name(), cold, cold_id, config); !r) return r;
      if (auto r = invoke(api, fn.name(), warm, warm_id, config); !r) return r;
      if (config.service_phases) add_phases(api, fn.name(), {{cold_id, &cold}, {warm_id, &warm}});
      for (auto* s : {&cold, &warm}) {
        out.push_back(std::move(*s));
        if (config.on_progress) {
          config.on_progress({round, config.rounds, out.size(), total, &out.back()});
        }
      }
    }
  }
  return {};
}

result<void> padding_rounds(const api_call& api, const function_spec& f, const function_code& code,
                            const std::vector<std::uint64_t>& sizes, int runs,
                            const experiment_config& config, std::vector<invocation_sample>& out) {
  std::string run_id = base::random_hex(6);
  std::size_t total = sizes.size() * static_cast<std::size_t>(runs);
  for (int round = 1; round <= runs; ++round) {
    for (std::uint64_t size : sizes) {
      function_code padded = code;
      padded.files.push_back({".lambdakit-padding", padding(size), 0644});
      padded.unzipped_bytes += size;
      std::string zip = fresh_zip(padded, nonce());
      deployed fn(api, deployable(config.name_prefix + "-" + run_id + "-pad" +
                                  std::to_string(size) + "-" + std::to_string(round)));
      double create_ms = 0;
      if (auto r = create(api, fn.name(), f, zip, config, create_ms); !r) return r;
      invocation_sample s = base_sample(f, config, round, zip.size(), padded);
      s.function = f.name + "-padded";
      s.create_ms = create_ms;
      s.padding_bytes = size;
      std::string id;
      if (auto r = invoke(api, fn.name(), s, id, config); !r) return r;
      if (config.service_phases) add_phases(api, fn.name(), {{id, &s}});
      out.push_back(std::move(s));
      if (config.on_progress) config.on_progress({round, runs, out.size(), total, &out.back()});
    }
  }
  return {};
}

}  // namespace

run_outcome run_experiment(const api_call& api, const std::vector<function_spec>& functions,
                           const std::vector<function_code>& code,
                           const experiment_config& config) {
  run_outcome outcome;
  if (auto r = experiment_rounds(api, functions, code, config, outcome.samples); !r) {
    outcome.failed = r.error();
  }
  return outcome;
}

run_outcome run_padding(const api_call& api, const function_spec& f, const function_code& code,
                        const std::vector<std::uint64_t>& sizes, int runs,
                        const experiment_config& config) {
  run_outcome outcome;
  if (auto r = padding_rounds(api, f, code, sizes, runs, config, outcome.samples); !r) {
    outcome.failed = r.error();
  }
  return outcome;
}

std::string name_problem(const std::vector<function_spec>& functions,
                         const experiment_config& config) {
  constexpr std::size_t max_name = 64;  // Lambda's limit for a function name
  std::vector<std::string> names;
  for (const auto& f : functions) {
    // The longest this run makes: 6-digit run id, the largest round.
    std::string n = deployed_name(config, "000000", std::max(config.rounds, 1), f.name);
    if (n.size() > max_name) {
      return "function " + f.name + " would deploy as " + n + ", " + std::to_string(n.size()) +
             " characters (Lambda takes " + std::to_string(max_name) + "): shorten its name";
    }
    for (const auto& other : names) {
      if (other == n) {
        return "two functions would deploy under one name, " + n + " ('.' becomes '_'): rename one";
      }
    }
    names.push_back(std::move(n));
  }
  return {};
}

}  // namespace lambdakit::bench
