// `lambdakit serve`: the local Lambda service, all parts wired together.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace lambdakit::platform {

enum class log_level { debug, info, warn, error };

struct service_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9001;  // 0: any free port
  std::filesystem::path state_dir;
  std::chrono::milliseconds idle_timeout{300000};
  int max_concurrency = 10;  // environments per function
  bool freeze = true;        // SIGSTOP environments between invokes
  std::chrono::milliseconds init_limit{
      10000};                    // Lambda's Init limit; then Init is retried inside the invoke
  bool builtin_clients = false;  // managed runtimes use lambdakit's bootstraps even when the
                                 // official clients are installed
  log_level level = log_level::info;
  std::string sandbox = "auto";  // auto, none, namespaces or hermetic (env/sandbox.h)
  // Launchers kept ready in their memory cgroups (env/launcher_pool.h); 0: every runtime is
  // spawned, then moved into its cgroup (the slow path, ~10 ms more per cold start).
  int parked_launchers = 2;
  // Asynchronous invokes (events/event_queue.h): AWS's clock multiplied by event_time_scale (for
  // tests), every accepted event synced to disk before its 202 unless event_full_sync is off,
  // at most event_queue_limit queued.
  double event_time_scale = 1.0;
  // The Lambda API's connections (http/server.h): at most max_connections (fewer when the
  // descriptor limit is lower), each sending its request head within header_timeout.
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{60000};
  bool event_full_sync = true;
  std::int64_t event_queue_limit = 1000000;
  // A streamed answer's rate after its first 6 MiB (AWS: 2 MiB/s); 0: uncapped.
  std::int64_t stream_bytes_per_second = std::int64_t{2} * 1024 * 1024;
  std::string region = "us-east-1";
  std::string account = "000000000000";
};

// The default state directory: $XDG_STATE_HOME/lambdakit, or ~/.local/state/lambdakit.
std::filesystem::path default_state_dir();

// Runs the service until SIGINT or SIGTERM; then kills every environment and returns 0. Prints
// "lambdakit serve: listening on http://HOST:PORT" on stdout once it accepts connections.
// Returns non-zero, with a message on stderr, when it cannot start.
int serve(const service_options& options);

}  // namespace lambdakit::platform
