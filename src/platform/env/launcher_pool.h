// Runtimes born in their memory cgroups: a few lambdakit-launcher processes are kept ready, each
// already in a fresh cgroup (the ~10 ms move is done by a worker thread, off every invoke's
// path); a cold start takes one, sets its limit, and hands it the runtime's command.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "platform/env/cgroup.h"

namespace lambdakit::platform::env {

// A parked launcher. The owner hands it a spec on `control` and adopts it as the runtime.
struct parked_launcher {
  pid_t pid = -1;
  base::unique_fd pid_fd;   // pidfd of the process
  base::unique_fd out_fd;   // read end of its stdout/stderr pipe
  base::unique_fd control;  // write end of its fd 3
  base::unique_fd status;   // read end of its --status-fd (a failed launch is reported there)
  std::unique_ptr<memory_cgroup> cgroup;
};

class launcher_pool {
 public:
  // Keeps `spares` launchers ready. Starts nothing when `launcher` does not exist or cgroups
  // are unavailable: take() then always returns nullopt. With `prepare_namespaces` each
  // launcher also creates its sandbox's namespaces while parked (the ~0.1 ms unshare is then
  // off the cold-start path); with `pid_namespace` too, each is pid 1 of its own PID namespace.
  launcher_pool(std::filesystem::path launcher, int spares, bool prepare_namespaces = false,
                bool pid_namespace = false);
  ~launcher_pool();  // shutdown()
  void shutdown();   // stops refilling, kills the parked launchers and removes their cgroups

  bool enabled() const { return enabled_; }
  std::optional<parked_launcher> take();

 private:
  void work();
  result<parked_launcher> start_one();

  std::filesystem::path launcher_;
  int spares_;
  bool prepare_namespaces_;
  bool pid_namespace_;
  bool enabled_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<parked_launcher> ready_;
  bool stop_ = false;
  std::uint64_t next_ = 0;
  std::thread worker_;
};

// Starts one launcher that waits for its spec on `control` (the pool's kind, without a cgroup):
// with `prepare_namespaces` it builds its namespaces first, with `pid_namespace` too it is pid 1
// of its own PID namespace.
result<parked_launcher> spawn_launcher(const std::filesystem::path& launcher,
                                       bool prepare_namespaces, bool pid_namespace);

// Writes the spec for `argv`, `env` and `cwd` to the launcher's control pipe and closes it: the
// launcher then becomes the runtime.
result<void> release_launcher(parked_launcher& l, const std::vector<std::string>& argv,
                              const std::vector<std::string>& env,
                              const std::filesystem::path& cwd);

}  // namespace lambdakit::platform::env
