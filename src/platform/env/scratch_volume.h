// Environments' /tmp as volumes of the function's EphemeralStorage size (512 MB to 10,240 MB):
// a sparse file, formatted ext4 and mounted through a loop device, so that a function that
// writes past its size gets ENOSPC as on Lambda, and what it wrote is page cache the kernel can
// reclaim (not memory it is charged for, as a tmpfs would be). The file is unlinked once
// mounted: unmounting frees the loop device and the space.
//
// Formatting takes a few milliseconds, too long for a cold start: a scratch_pool keeps spare
// volumes ready, made by a worker thread (at the lowest CPU priority), of the sizes functions
// asked for lately, and volumes nobody uses any more are emptied and used again.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "base/result.h"

namespace lambdakit::platform::env {

// Whether volumes can be made here: root, /dev/loop-control and mkfs.ext4 (else why not).
struct scratch_support {
  bool available = false;
  std::string why_not;
  std::filesystem::path mkfs;
};
const scratch_support& probe_scratch_support();

// Makes `dir` (which must not exist) the mount point of a new volume of `mb` MiB whose root
// belongs to uid:gid.
result<void> make_scratch_volume(const std::filesystem::path& dir, int mb, uid_t uid, gid_t gid);
// Whether `dir` is a mount point (a volume), not a plain folder.
bool is_mount_point(const std::filesystem::path& dir);
// Detaches the volume at `dir` (at once, even while a process still has files open there) and
// removes the folder.
void remove_scratch_volume(const std::filesystem::path& dir);
// Detaches every mount below `root`, and `root` itself when it is one: volumes of a service
// that ended without doing it itself.
void unmount_all_below(const std::filesystem::path& root);
// Makes `root` a shared mount of its own, so that volumes mounted below it later also appear in
// the mount namespaces of launchers parked before (they follow the service's mounts).
result<void> share_mounts_below(const std::filesystem::path& root);

class scratch_pool {
 public:
  // Volumes go to <root>/vol-N, owned by uid:gid; `spares` of each size wanted within the last
  // ten minutes (the default 512 MiB always) are kept ready.
  scratch_pool(std::filesystem::path root, uid_t uid, gid_t gid, int spares = 2);
  ~scratch_pool();  // stops the worker and removes the spares

  // A volume of `mb` MiB: a spare when one is ready, else made now (a few milliseconds).
  result<std::filesystem::path> take(int mb);
  // A volume of this pool nobody uses any more: emptied by the worker (everything in it
  // removed, its root given back to uid:gid with mode 0755) and kept as a spare, or detached
  // when there are spares enough. False when `dir` is not one of this pool's.
  bool give_back(const std::filesystem::path& dir);

 private:
  void work();
  std::filesystem::path next_dir();
  static bool empty_volume(const std::filesystem::path& dir, uid_t uid, gid_t gid);

  std::filesystem::path root_;
  uid_t uid_;
  gid_t gid_;
  int spares_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, std::deque<std::filesystem::path>> ready_;
  std::map<int, std::chrono::steady_clock::time_point> wanted_;
  std::map<std::filesystem::path, int> sizes_;                  // every volume made, by folder
  std::deque<std::pair<std::filesystem::path, int>> returned_;  // to be emptied
  std::uint64_t next_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace lambdakit::platform::env
