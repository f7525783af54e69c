// One execution environment: a runtime process and the lifecycle of spec §2: cold start, Init
// limited to 10 s (then retried inside the invoke), invoke limited by the function timeout,
// reset after a crash or timeout, frozen between invokes. The conversation with the runtime
// (the Runtime API's state machine, spec §1) is its runtime channel's (runtime_channel.h).
//
// Lives on the service's io_context thread; not thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "platform/env/invocation.h"
#include "platform/env/runtimes.h"
#include "platform/function.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

struct environment_options {
  std::string id;  // unique, for logs
  function_config fn;
  std::filesystem::path task_root;  // the extracted code, read-only for the runtime
  std::filesystem::path opt_root;   // its layers (store::layer_trees), read-only at /opt
  std::filesystem::path tmp_dir;    // this environment's /tmp (TMPDIR)
  std::string region = "us-east-1";
  std::string account = "000000000000";
  bool freeze_between_invokes = true;
  std::chrono::milliseconds init_limit{10000};
  std::shared_ptr<const runtime_hosts> hosts;  // interpreters for managed runtimes
  bool memory_limit =
      true;  // a memory cgroup limited to fn.memory_mb, where cgroups can be written
  class launcher_pool* launchers = nullptr;  // runtimes born in their cgroups (may be null)
  const struct sandbox* box = nullptr;       // null: plain processes
  // The OS as the environment sees it; null: the real one (make_real_os on `io`, with
  // `launchers` and `box`). Must outlive the environment.
  class env_os* os = nullptr;
  // Each line the runtime prints (without its newline).
  std::function<void(const std::string& env_id, std::string_view line)> on_log;
};

class environment {
 public:
  using done_fn = std::function<void(invoke_outcome)>;

  environment(boost::asio::io_context& io, environment_options options);
  ~environment();  // kills the runtime
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  // Runs one invoke, cold-starting the runtime first when it is not running. `done` is called
  // exactly once, asynchronously. One invoke at a time.
  void invoke(invoke_request request, done_fn done);

  // Ends the environment as Lambda does (the SHUTDOWN phase): with extensions subscribed to
  // SHUTDOWN, the runtime is sent SIGTERM and they SHUTDOWN (`reason` spindown) with a budget of
  // 2,000 ms, then everything is killed; without, at once. `gone` is called (asynchronously)
  // once no process of it is left. A reset environment (dead) may still be shutting down.
  void retire(std::function<void()> gone);
  // Kills everything now (the service stops).
  void abort();

  bool busy() const;
  bool dead() const;  // must not be used again
  const function_config& function() const;
  const std::filesystem::path& tmp_dir() const;
  const std::filesystem::path& task_root() const;
  std::chrono::steady_clock::time_point last_used() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace lambdakit::platform::env
