#include <CLI/CLI.hpp>

#include "commands.h"
#include "platform/env/runtimes.h"
#include "platform/service.h"

namespace lambdakit::cli {

void add_serve(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<platform::service_options>();
  auto idle_s = std::make_shared<double>(300);
  auto level = std::make_shared<std::string>("info");
  auto no_freeze = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("serve", "Run the local Lambda service (AWS-compatible Lambda API)");
  cmd->footer(platform::env::runtimes_help() +
              "\nUse it with any AWS client:\n"
              "  aws lambda invoke --endpoint-url http://127.0.0.1:9001 --function-name NAME "
              "out.json");
  cmd->add_option("--host", opts->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", opts->port, "Port to listen on (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--state-dir", opts->state_dir, "Where functions and code are kept")
      ->default_str(platform::default_state_dir().string());
  cmd->add_option("--idle-timeout", *idle_s, "Seconds an idle environment is kept warm")
      ->capture_default_str();
  cmd->add_option("--max-concurrency", opts->max_concurrency,
                  "Environments per function; more callers get 429")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--parked-launchers", opts->parked_launchers,
                  "Runtime launchers kept ready in their memory cgroups (0: spawn each runtime, "
                  "then move it into its cgroup)")
      ->capture_default_str()
      ->check(CLI::Range(0, 16));
  cmd->add_option("--log-level", *level, "debug, info, warn or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->add_flag("--no-freeze", *no_freeze, "Do not SIGSTOP environments between invokes");
  auto init_s = std::make_shared<double>(10);
  cmd->add_option("--init-timeout", *init_s,
                  "Seconds Init may take before it is retried inside the first invoke (Lambda: 10)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 900.0));
  auto clients = std::make_shared<std::string>("official");
  cmd->add_option(
         "--runtime-clients", *clients,
         "python3.x and nodejs* functions run with the official runtime interface clients when "
         "installed (official), or always with lambdakit's own small bootstraps (builtin)")
      ->capture_default_str()
      ->check(CLI::IsMember({"official", "builtin"}));
  cmd->add_option("--sandbox", opts->sandbox,
                  "auto (namespaces where the kernel allows), none, namespaces (code read-only at "
                  "/var/task, private /tmp) or hermetic (provided runtimes see only /var/task, "
                  "/tmp, /proc and /dev)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "none", "namespaces", "hermetic"}));
  cmd->add_option("--event-time-scale", opts->event_time_scale,
                  "Multiplies every asynchronous-invoke delay and age: retries (AWS: 1 and 2 "
                  "minutes), throttle backoff (1 s to 5 min) and MaximumEventAgeInSeconds; e.g. "
                  "0.01 in tests")
      ->capture_default_str()
      ->check(CLI::Range(0.0001, 1000.0));
  cmd->add_option("--max-connections", opts->max_connections,
                  "Lambda API connections at most (fewer if the descriptor limit is lower); a "
                  "newcomer replaces the oldest idle one, or gets 503 when all are busy")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  auto header_s = std::make_shared<double>(60);
  cmd->add_option("--header-timeout", *header_s,
                  "Seconds a connection has to send a request head, after connecting or after "
                  "its previous answer (idle keep-alive connections close after it)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  auto event_sync = std::make_shared<std::string>("full");
  cmd->add_option("--event-sync", *event_sync,
                  "full: each Event invoke is synced to disk before its 202; normal: committed "
                  "(safe against a crash of the service, not of the machine), faster")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->add_option("--event-queue-limit", opts->event_queue_limit,
                  "Events kept queued at most; more Event invokes get 429")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100000000}));
  cmd->add_option("--stream-bandwidth", opts->stream_bytes_per_second,
                  "Bytes per second a streamed answer (InvokeWithResponseStream) goes at after "
                  "its first 6 MiB, as AWS caps it; 0: uncapped")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  cmd->callback(
      [opts, idle_s, level, no_freeze, clients, init_s, event_sync, header_s, &exit_code] {
        opts->header_timeout = std::chrono::milliseconds(static_cast<long long>(*header_s * 1000));
        opts->event_full_sync = *event_sync == "full";
        opts->builtin_clients = *clients == "builtin";
        opts->init_limit = std::chrono::milliseconds(static_cast<long long>(*init_s * 1000));
        opts->idle_timeout = std::chrono::milliseconds(static_cast<long long>(*idle_s * 1000));
        opts->freeze = !*no_freeze;
        opts->level = *level == "debug"   ? platform::log_level::debug
                      : *level == "warn"  ? platform::log_level::warn
                      : *level == "error" ? platform::log_level::error
                                          : platform::log_level::info;
        exit_code = platform::serve(*opts);
      });
}

}  // namespace lambdakit::cli
