// The cold/warm-start experiment against a Lambda API endpoint (lambdakit serve, or AWS itself
// through a signing client): per round, every function is created afresh (its zip made unique),
// invoked once cold and once warm, and deleted. Rounds rotate the functions' order so that drift
// on a shared machine hits them all alike.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "bench/function_set.h"

namespace lambdakit::bench {

// What the experiment needs from a Lambda API: one HTTP exchange (the local service's plain
// client, or a SigV4-signing one for AWS).
struct api_answer {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;
};
using api_call = std::function<result<api_answer>(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers)>;

// One invocation's figures. Optional fields are empty where the source lacks them (the service's
// phases exist only locally; Init Duration only on cold starts).
struct invocation_sample {
  std::string function;
  std::string runtime;
  int round = 0;  // 1..rounds
  bool cold = true;
  std::int64_t unix_ms = 0;  // when the invoke was sent
  int memory_mb = 128;
  std::uint64_t zip_bytes = 0;       // the zip deployed (with its nonce and any padding)
  std::uint64_t unzipped_bytes = 0;  // its files
  double create_ms = 0;              // CreateFunction's round trip (upload, checks, extraction)
  double client_ms = 0;              // the Invoke's round trip, as the caller saw it
  std::string status = "success";    // the service's, or "error" for a function error
  std::string error;                 // the function error's type, when there was one
  // From the REPORT line (X-Amz-Log-Type: Tail).
  std::optional<double> duration_ms, init_duration_ms;
  std::optional<int> max_memory_mb;
  // From the local service (GET /lambdakit/v1/invocations).
  std::optional<double> queue_ms, extract_ms, spawn_ms, init_ms, invoke_ms, overhead_ms, total_ms;
  // The padding experiment: bytes of incompressible filler added to the zip (0 otherwise).
  std::uint64_t padding_bytes = 0;
};

struct progress_event {
  int round = 0, rounds = 0;
  std::size_t done = 0, total = 0;  // invocations
  const invocation_sample* sample = nullptr;
};

struct experiment_config {
  int rounds = 40;
  int memory_mb = 128;
  std::string role = "arn:aws:iam::000000000000:role/lambdakit-bench";
  std::string name_prefix = "lkbench";  // functions are <prefix>-<random>-<name>
  bool service_phases = true;           // ask the local service for its phases
  std::function<void(const progress_event&)> on_progress;
  // Set (by a signal handler) to stop between steps: the run fails with "interrupted" after
  // deleting the function it is on.
  const std::atomic<bool>* stop = nullptr;
};

// What a run gathered, and why it stopped early when it did (an API that answered unexpectedly,
// or a stop request); the samples taken before are kept.
struct run_outcome {
  std::vector<invocation_sample> samples;
  std::optional<failure> failed;
};

// Runs the experiment. A function error is recorded in its sample, not a failure. Every function
// created is deleted, also when the run stops early; one that could not be deleted is named on
// stderr with the command that deletes it.
run_outcome run_experiment(const api_call& api, const std::vector<function_spec>& functions,
                           const std::vector<function_code>& code, const experiment_config& config);

// The study's hypothesis, tested: one function deployed with `sizes` bytes of incompressible
// padding, `runs` cold invokes each (its samples carry padding_bytes).
run_outcome run_padding(const api_call& api, const function_spec& f, const function_code& code,
                        const std::vector<std::uint64_t>& sizes, int runs,
                        const experiment_config& config);

// Why these functions cannot be deployed under their names with this prefix (too long for
// Lambda's 64 characters, or two that become the same name); empty when they can.
std::string name_problem(const std::vector<function_spec>& functions,
                         const experiment_config& config);

// Duration, Init Duration and Max Memory Used from a REPORT line in `log` (what Tail returns).
void read_report(std::string_view log, invocation_sample& s);

}  // namespace lambdakit::bench
