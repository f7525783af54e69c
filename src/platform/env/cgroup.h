// Memory limits through cgroups: each execution environment gets its own memory cgroup below
// the service's own, limited to the function's MemorySize, so a function that allocates past it
// is killed as on Lambda, and Max Memory Used is the cgroup's measured peak.
//
// cgroup v1 (memory controller) and v2 are both handled. Where neither can be written (no
// permission, no controller), callers run plain processes and say so once.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"

namespace lambdakit::platform::env {

// Where environments' cgroups go: <the service's memory cgroup>/lambdakit-<pid>. Created on
// first call; `available` false with the reason when it cannot be.
struct cgroup_root {
  bool available = false;
  int version = 0;  // 1 or 2
  std::filesystem::path dir;
  std::string why_not;
};
const cgroup_root& memory_cgroup_root();
// Removes the root at shutdown (after every environment is gone).
void remove_memory_cgroup_root();

// Processes and threads an environment may have at once, as on Lambda (a pids cgroup beside the
// memory one, where the kernel has that controller).
inline constexpr int max_tasks = 1024;

class memory_cgroup {
 public:
  // A new cgroup `name` below the root, limited to `limit_bytes` (swap included where the kernel
  // accounts it).
  static result<std::unique_ptr<memory_cgroup>> create(const std::string& name,
                                                       std::int64_t limit_bytes);
  ~memory_cgroup();  // kills whatever still runs in the cgroup, then removes it

  result<void> attach(pid_t pid);
  result<void> set_limit(std::int64_t limit_bytes);
  std::int64_t peak_bytes() const;  // 0 when unknown

 private:
  memory_cgroup(std::filesystem::path dir, int version) : dir_(std::move(dir)), version_(version) {}
  std::filesystem::path dir_;
  std::filesystem::path pids_dir_;  // cgroup v1: the pids cgroup of the same name, or empty
  int version_;
  mutable int peak_fd_ = -1;  // the peak file, kept open: it is read after every invoke
};

}  // namespace lambdakit::platform::env
