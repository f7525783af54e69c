// The environment's seam to the OS (as leveldb's Env): the clock, timers, deferred calls,
// starting the runtime within a memory limit, and the runtime channel. The service uses the
// real one (make_real_os); tests pass a fake that records every call and can fail any step, so
// the lifecycle (cold start, Init limit and retry, timeout, crash, freeze, reset) is unit-tested
// without processes, cgroups or sockets.
//
// Used on one thread, the environment's (the service's io_context thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "platform/env/process.h"
#include "platform/env/runtime_channel.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

class launcher_pool;
struct sandbox;

// A one-shot timer. start() replaces whatever was armed; a cancelled or replaced timer never
// fires.
class timer {
 public:
  virtual ~timer() = default;
  virtual void start(std::chrono::milliseconds after, std::function<void()> fire) = 0;
  virtual void cancel() = 0;
};

// What limits a runtime's memory (a memory cgroup): kept across restarts of the runtime.
class memory_limit {
 public:
  virtual ~memory_limit() = default;  // removes the limit; its processes must be gone
  virtual result<void> attach(pid_t pid) = 0;
  virtual std::int64_t peak_bytes() const = 0;  // 0 when unknown
};

struct runtime_start {
  spawn_spec spec;                // the runtime's own argv, environment and cwd
  bool sandboxed = false;         // spec.argv begins with a sandbox request for the launcher
  std::int64_t memory_bytes = 0;  // the function's MemorySize; 0: no limit wanted
  std::string name;               // the environment's id, for the cgroup's name
};

struct started_runtime {
  std::unique_ptr<process> proc;
  std::vector<std::string> warnings;  // what was not applied ("memory limit not applied: ...")
};

class env_os {
 public:
  virtual ~env_os() = default;

  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual std::unique_ptr<timer> make_timer() = 0;
  // Runs `f` later on the environment's thread, never inside the current call.
  virtual void post(std::function<void()> f) = 0;
  virtual std::shared_ptr<runtime_channel> make_channel(channel_kind kind,
                                                        channel_events events) = 0;

  // Starts the runtime. `limit` is the environment's memory limit: when empty and one is
  // wanted, the call creates it (the runtime is born in it where a parked launcher is ready,
  // else moved into it); when set (a restart), the new runtime joins it. Fails only when the
  // runtime could not be started (exec failed: not found, not executable, no interpreter).
  virtual result<started_runtime> start_runtime(const runtime_start& start,
                                                std::unique_ptr<memory_limit>& limit,
                                                process::output_fn on_output,
                                                process::exit_fn on_exit) = 0;
};

// The OS itself: asio timers on `io`, memory cgroups, parked launchers from `launchers` (may be
// null), the sandbox's launcher from `box` (may be null), the runtime channels.
std::unique_ptr<env_os> make_real_os(boost::asio::io_context& io, launcher_pool* launchers,
                                     const sandbox* box);

}  // namespace lambdakit::platform::env
