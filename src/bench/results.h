// What the experiment writes: a CSV with one row per invocation (the 2018 study's columns
// first, so both load into the same plot, then every phase), a JSON summary, and the table the
// command prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/experiment.h"
#include "bench/statistics.h"

namespace lambdakit::bench {

// The study's columns, then ours: the CSV's header line, without its newline.
std::string csv_header();
// One row per sample, with the header line first.
std::string to_csv(const std::vector<invocation_sample>& samples);

// Per function and warmth: the caller's round trip and the phases, summarized.
struct function_summary {
  std::string function, runtime, description;
  std::uint64_t zip_bytes = 0, unzipped_bytes = 0;  // as built (before the nonce)
  summary cold, warm;                               // client_ms
  summary cold_init, cold_spawn, cold_create;       // the service's init and spawn; CreateFunction
  summary warm_invoke;                              // the service's invoke phase, warm
  summary cold_report_init, warm_report_duration;   // REPORT's Init Duration and Duration
  std::optional<int> max_memory_mb;                 // the largest seen
  std::size_t errors = 0;                           // samples whose status is not success
};

std::vector<function_summary> summarize_functions(const std::vector<invocation_sample>& samples,
                                                  const std::vector<function_spec>& functions,
                                                  const std::vector<function_code>& code);

// The padding experiment's lines: cold round trip and CreateFunction time against zip MB.
struct padding_fit {
  std::optional<line_fit> cold_ms_per_mb, create_ms_per_mb;
  std::size_t samples = 0;
};
padding_fit fit_padding(const std::vector<invocation_sample>& samples);

// Where and how the run was made, for the report.
struct run_facts {
  std::string date_utc;  // ISO 8601
  std::string machine;   // "Linux 6.1 x86_64, 2 cores, <CPU model>"
  std::string lambdakit_version, build_type, endpoint;
  int rounds = 0, memory_mb = 128;
};

std::string to_json(const run_facts& facts, const std::vector<function_summary>& functions,
                    const padding_fit& padding);

// The table: zip and unzipped size, median/p90/min/max of cold and warm per function.
std::string render_table(const std::vector<function_summary>& functions,
                         const padding_fit& padding);

}  // namespace lambdakit::bench
