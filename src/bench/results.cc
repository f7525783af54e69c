#include "bench/results.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

namespace lambdakit::bench {
namespace {

std::string fixed(double v, int digits = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string opt(const std::optional<double>& v, int digits = 3) {
  return v ? fixed(*v, digits) : std::string();
}

std::string seconds(const std::optional<double>& ms) {
  return ms ? fixed(*ms / 1000.0, 6) : std::string();
}

// "2018-09-14 17:56:35 +0000", as the study's Time column (in UTC).
std::string study_time(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000", &tm);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

summary of(const std::vector<invocation_sample>& samples, const std::string& function, bool cold,
           std::optional<double> invocation_sample::*field) {
  std::vector<double> v;
  for (const auto& s : samples) {
    if (s.function == function && s.cold == cold && s.status == "success" && s.*field) {
      v.push_back(*(s.*field));
    }
  }
  return summarize(std::move(v));
}

nlohmann::json summary_json(const summary& s) {
  if (s.count == 0) return nullptr;  // nothing measured: no figures, not zeros
  return {{"count", s.count}, {"median", s.median}, {"p90", s.p90},  {"p99", s.p99},
          {"min", s.min},     {"max", s.max},       {"mean", s.mean}};
}

nlohmann::json fit_json(const std::optional<line_fit>& f) {
  if (!f) return nullptr;
  return {{"slope_ms_per_mb", f->slope},
          {"intercept_ms", f->intercept},
          {"r2", f->r2},
          {"points", f->points}};
}

}  // namespace

std::string csv_header() {
  return "Function,Lambda_Size,Time,Warmth,Duration,Lambda_Duration,Function_Duration,"
         "runtime,round,zip_bytes,unzipped_bytes,padding_bytes,status,error,"
         "create_ms,client_ms,queue_ms,extract_ms,spawn_ms,init_ms,invoke_ms,overhead_ms,"
         "service_total_ms,report_duration_ms,report_init_duration_ms,max_memory_mb";
}

std::string to_csv(const std::vector<invocation_sample>& samples) {
  std::string out = csv_header() + "\n";
  for (const auto& s : samples) {
    // The study's durations, in seconds: Duration the whole request (here: the caller's round
    // trip), Lambda_Duration the service's part, Function_Duration the function's own.
    std::optional<double> lambda_ms = s.total_ms;
    if (!lambda_ms && s.duration_ms) lambda_ms = *s.duration_ms + s.init_duration_ms.value_or(0);
    std::optional<double> function_ms = s.invoke_ms ? s.invoke_ms : s.duration_ms;
    out += csv_field(s.function) + ',' + std::to_string(s.memory_mb) + ',' + study_time(s.unix_ms) +
           ',' + (s.cold ? "cold" : "warm") + ',' + seconds(s.client_ms) + ',' +
           seconds(lambda_ms) + ',' + seconds(function_ms) + ',';
    out += csv_field(s.runtime) + ',' + std::to_string(s.round) + ',' +
           std::to_string(s.zip_bytes) + ',' + std::to_string(s.unzipped_bytes) + ',' +
           std::to_string(s.padding_bytes) + ',' + csv_field(s.status) + ',' + csv_field(s.error) +
           ',';
    out += (s.cold ? fixed(s.create_ms) : std::string()) + ',' + fixed(s.client_ms) + ',' +
           opt(s.queue_ms) + ',' + opt(s.extract_ms) + ',' + opt(s.spawn_ms) + ',' +
           opt(s.init_ms) + ',' + opt(s.invoke_ms) + ',' + opt(s.overhead_ms) + ',' +
           opt(s.total_ms) + ',' + opt(s.duration_ms) + ',' + opt(s.init_duration_ms) + ',' +
           (s.max_memory_mb ? std::to_string(*s.max_memory_mb) : std::string()) + '\n';
  }
  return out;
}

std::vector<function_summary> summarize_functions(const std::vector<invocation_sample>& samples,
                                                  const std::vector<function_spec>& functions,
                                                  const std::vector<function_code>& code) {
  std::vector<function_summary> out;
  for (std::size_t i = 0; i < functions.size(); ++i) {
    const auto& f = functions[i];
    function_summary fs;
    fs.function = f.name;
    fs.runtime = f.runtime;
    fs.description = f.description;
    fs.zip_bytes = code[i].zip_bytes;
    fs.unzipped_bytes = code[i].unzipped_bytes;
    std::vector<double> cold, warm, create;
    for (const auto& s : samples) {
      if (s.function != f.name) continue;
      if (s.status != "success") {  // counted, but kept out of the figures
        ++fs.errors;
        continue;
      }
      (s.cold ? cold : warm).push_back(s.client_ms);
      if (s.cold) create.push_back(s.create_ms);
      if (s.max_memory_mb && (!fs.max_memory_mb || *s.max_memory_mb > *fs.max_memory_mb)) {
        fs.max_memory_mb = s.max_memory_mb;
      }
    }
    fs.cold = summarize(cold);
    fs.warm = summarize(warm);
    fs.cold_create = summarize(create);
    fs.cold_init = of(samples, f.name, true, &invocation_sample::init_ms);
    fs.cold_spawn = of(samples, f.name, true, &invocation_sample::spawn_ms);
    fs.warm_invoke = of(samples, f.name, false, &invocation_sample::invoke_ms);
    fs.cold_report_init = of(samples, f.name, true, &invocation_sample::init_duration_ms);
    fs.warm_report_duration = of(samples, f.name, false, &invocation_sample::duration_ms);
    out.push_back(std::move(fs));
  }
  return out;
}

padding_fit fit_padding(const std::vector<invocation_sample>& samples) {
  std::vector<double> mb, cold, create;
  std::vector<std::uint64_t> sizes;
  for (const auto& s : samples) {
    if (s.padding_bytes == 0 || s.status != "success") continue;
    if (std::find(sizes.begin(), sizes.end(), s.padding_bytes) == sizes.end()) {
      sizes.push_back(s.padding_bytes);
    }
    mb.push_back(static_cast<double>(s.zip_bytes) / 1e6);
    cold.push_back(s.client_ms);
    create.push_back(s.create_ms);
  }
  padding_fit p;
  p.samples = mb.size();
  if (sizes.size() < 2) return p;  // one size: the zips differ by bytes, which fit only noise
  p.cold_ms_per_mb = fit_line(mb, cold);
  p.create_ms_per_mb = fit_line(mb, create);
  return p;
}

std::string to_json(const run_facts& facts, const std::vector<function_summary>& functions,
                    const padding_fit& padding) {
  nlohmann::json doc;
  doc["run"] = {{"date_utc", facts.date_utc},           {"machine", facts.machine},
                {"lambdakit", facts.lambdakit_version}, {"build_type", facts.build_type},
                {"endpoint", facts.endpoint},           {"rounds", facts.rounds},
                {"memory_mb", facts.memory_mb},         {"unit", "ms"}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : functions) {
    nlohmann::json j = {{"function", f.function},
                        {"runtime", f.runtime},
                        {"description", f.description},
                        {"zip_bytes", f.zip_bytes},
                        {"unzipped_bytes", f.unzipped_bytes},
                        {"cold", summary_json(f.cold)},
                        {"warm", summary_json(f.warm)},
                        {"cold_create", summary_json(f.cold_create)},
                        {"cold_init", summary_json(f.cold_init)},
                        {"cold_spawn", summary_json(f.cold_spawn)},
                        {"warm_invoke", summary_json(f.warm_invoke)},
                        {"cold_report_init_duration", summary_json(f.cold_report_init)},
                        {"warm_report_duration", summary_json(f.warm_report_duration)},
                        {"errors", f.errors}};
    j["max_memory_mb"] = f.max_memory_mb ? nlohmann::json(*f.max_memory_mb) : nlohmann::json();
    list.push_back(std::move(j));
  }
  doc["functions"] = std::move(list);
  doc["padding"] = {{"samples", padding.samples},
                    {"cold_invoke", fit_json(padding.cold_ms_per_mb)},
                    {"create", fit_json(padding.create_ms_per_mb)}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_table(const std::vector<function_summary>& functions,
                         const padding_fit& padding) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "  %-26s %9s %9s  %8s %8s %8s %8s  %8s %8s %8s %8s  %6s\n",
                "function", "zip KB", "unzip KB", "cold med", "p90", "min", "max", "warm med",
                "p90", "min", "max", "errors");
  out += line;
  for (const auto& f : functions) {
    std::snprintf(line, sizeof line,
                  "  %-26s %9.1f %9.1f  %8.3f %8.3f %8.3f %8.3f  %8.3f %8.3f %8.3f %8.3f  %6zu\n",
                  f.function.c_str(), static_cast<double>(f.zip_bytes) / 1024,
                  static_cast<double>(f.unzipped_bytes) / 1024, f.cold.median, f.cold.p90,
                  f.cold.min, f.cold.max, f.warm.median, f.warm.p90, f.warm.min, f.warm.max,
                  f.errors);
    out += line;
  }
  out +=
      "  (ms: the caller's Invoke round trip; cold = first invoke of a freshly created function)\n";
  bool phases = false;
  for (const auto& f : functions) phases = phases || f.cold_init.count > 0;
  if (phases) {
    out += "\n  cold start, phase by phase (medians, ms)\n";
    std::snprintf(line, sizeof line, "  %-26s %10s %8s %8s %10s %12s\n", "function", "create",
                  "spawn", "init", "cold RTT", "warm invoke");
    out += line;
    for (const auto& f : functions) {
      std::snprintf(line, sizeof line, "  %-26s %10.3f %8.3f %8.3f %10.3f %12.3f\n",
                    f.function.c_str(), f.cold_create.median, f.cold_spawn.median,
                    f.cold_init.median, f.cold.median, f.warm_invoke.median);
      out += line;
    }
    out +=
        "  (create: CreateFunction round trip, which uploads, checks and extracts the zip;\n"
        "   spawn: starting the runtime process; init: from then until it asked for work)\n";
  }
  bool reports = false;
  for (const auto& f : functions) reports = reports || f.cold_report_init.count > 0;
  if (reports && !phases) {
    out += "\n  from the REPORT lines (medians, ms)\n";
    std::snprintf(line, sizeof line, "  %-26s %14s %14s\n", "function", "Init Duration",
                  "warm Duration");
    out += line;
    for (const auto& f : functions) {
      std::snprintf(line, sizeof line, "  %-26s %14.3f %14.3f\n", f.function.c_str(),
                    f.cold_report_init.median, f.warm_report_duration.median);
      out += line;
    }
  }
  if (padding.samples > 0) {
    out += "\n  zip size against cold start (the study's hypothesis; incompressible padding)\n";
    auto row = [&](const char* what, const std::optional<line_fit>& f) {
      if (!f) return;
      std::snprintf(line, sizeof line, "  %-34s %8.4f ms/MB  (intercept %.3f ms, r² %.3f, n %zu)\n",
                    what, f->slope, f->intercept, f->r2, f->points);
      out += line;
    };
    row("cold invoke round trip", padding.cold_ms_per_mb);
    row("CreateFunction (upload + extract)", padding.create_ms_per_mb);
  }
  return out;
}

}  // namespace lambdakit::bench
