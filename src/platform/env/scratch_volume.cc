#include "platform/env/scratch_volume.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "base/child.h"
#include "base/unique_fd.h"

namespace lambdakit::platform::env {
namespace fs = std::filesystem;
namespace {

constexpr int default_mb = 512;
constexpr auto wanted_for = std::chrono::minutes(10);

failure os_failure(const std::string& what) {
  return failure{errno_code(), what};
}

struct loop_device {
  std::string path;
  base::unique_fd fd;  // held until it is mounted: auto-clear releases a loop nobody holds
};

// One loop device bound to `file`, released by the kernel when its last mount goes.
result<loop_device> attach_loop(int file) {
  base::unique_fd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control) return os_failure("opening /dev/loop-control");
  for (int attempt = 0; attempt < 16; ++attempt) {  // another thread may take the same number
    int n = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return os_failure("finding a free loop device");
    std::string dev = "/dev/loop" + std::to_string(n);
    base::unique_fd loop(::open(dev.c_str(), O_RDWR | O_CLOEXEC));
    if (!loop) return os_failure("opening " + dev);
    loop_config cfg{};
    cfg.fd = static_cast<__u32>(file);
    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (::ioctl(loop.get(), LOOP_CONFIGURE, &cfg) == 0) return loop_device{dev, std::move(loop)};
    if (errno != EBUSY) return os_failure("configuring " + dev);
  }
  return failure{std::make_error_code(std::errc::device_or_resource_busy),
                 "every free loop device was taken meanwhile"};
}

}  // namespace

const scratch_support& probe_scratch_support() {
  static const scratch_support s = [] {
    scratch_support r;
    if (::geteuid() != 0) {
      r.why_not = "volumes need root (loop devices and mount)";
      return r;
    }
    if (::access("/dev/loop-control", R_OK | W_OK) != 0) {
      r.why_not = "/dev/loop-control is missing (no loop devices here)";
      return r;
    }
    for (const char* p : {"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "/usr/bin/mkfs.ext4"}) {
      if (::access(p, X_OK) == 0) {
        r.mkfs = p;
        break;
      }
    }
    if (r.mkfs.empty()) {
      r.why_not = "mkfs.ext4 is missing (Debian: apt-get install e2fsprogs)";
      return r;
    }
    r.available = true;
    return r;
  }();
  return s;
}

result<void> make_scratch_volume(const fs::path& dir, int mb, uid_t uid, gid_t gid) {
  const auto& support = probe_scratch_support();
  if (!support.available)
    return failure{std::make_error_code(std::errc::not_supported), support.why_not};
  fs::path image = dir.string() + ".img";
  base::unique_fd file(::open(image.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!file) return os_failure("creating " + image.string());
  auto cleanup = [&] { ::unlink(image.c_str()); };
  if (::ftruncate(file.get(), static_cast<off_t>(mb) * 1024 * 1024) != 0) {
    cleanup();
    return os_failure("sizing " + image.string());
  }
  base::child_spec mkfs;
  mkfs.argv = {
      support.mkfs.string(),
      "-q",
      "-F",
      "-m",
      "0",
      "-O",
      "^has_journal,^resize_inode",
      "-E",
      "lazy_itable_init=1,nodiscard,root_owner=" + std::to_string(uid) + ":" + std::to_string(gid),
      image.string()};
  mkfs.out = mkfs.err = base::child_io::null;
  auto made = base::run_child(mkfs, false);
  if (!made || made->exit_code != 0) {
    cleanup();
    return failure{std::make_error_code(std::errc::io_error),
                   "mkfs.ext4 failed on " + image.string()};
  }
  auto dev = attach_loop(file.get());
  if (!dev) {
    cleanup();
    return std::move(dev).error();
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    cleanup();
    return os_failure("creating " + dir.string());
  }
  if (::mount(dev->path.c_str(), dir.c_str(), "ext4", MS_NOSUID | MS_NODEV | MS_NOATIME, "") != 0) {
    auto f = os_failure("mounting " + dev->path + " on " + dir.string());
    ::rmdir(dir.c_str());
    cleanup();
    return f;
  }
  cleanup();  // the loop device holds it: the space goes with the mount
  ::rmdir((dir / "lost+found").c_str());
  return {};
}

bool is_mount_point(const fs::path& dir) {
  struct stat self {
  }, parent{};
  if (::stat(dir.c_str(), &self) != 0 || ::stat(dir.parent_path().c_str(), &parent) != 0)
    return false;
  return self.st_dev != parent.st_dev;
}

void remove_scratch_volume(const fs::path& dir) {
  ::umount2(dir.c_str(), MNT_DETACH);
  ::rmdir(dir.c_str());
}

void unmount_all_below(const fs::path& root) {
  std::string prefix = root.string() + "/";
  std::vector<std::string> found;
  std::ifstream info("/proc/self/mountinfo");
  for (std::string line; std::getline(info, line);) {
    // id parent major:minor root MOUNT-POINT ...; spaces in it are written \040
    std::size_t at = 0;
    for (int field = 0; field < 4 && at != std::string::npos; ++field) at = line.find(' ', at + 1);
    if (at == std::string::npos) continue;
    auto end = line.find(' ', at + 1);
    std::string point = line.substr(at + 1, end - at - 1);
    for (std::size_t p; (p = point.find("\\040")) != std::string::npos;) point.replace(p, 4, " ");
    if (point == root.string() || point.rfind(prefix, 0) == 0) found.push_back(point);
  }
  for (auto it = found.rbegin(); it != found.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
}

result<void> share_mounts_below(const fs::path& root) {
  if (::mount(root.c_str(), root.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return os_failure("binding " + root.string() + " onto itself");
  if (::mount(nullptr, root.c_str(), nullptr, MS_SHARED, nullptr) != 0) {
    auto f = os_failure("making " + root.string() + " a shared mount");
    ::umount2(root.c_str(), MNT_DETACH);
    return f;
  }
  return {};
}

scratch_pool::scratch_pool(fs::path root, uid_t uid, gid_t gid, int spares)
    : root_(std::move(root)), uid_(uid), gid_(gid), spares_(spares) {
  wanted_[default_mb] = std::chrono::steady_clock::now();  // always wanted (work())
  if (probe_scratch_support().available && spares_ > 0) worker_ = std::thread([this] { work(); });
}

scratch_pool::~scratch_pool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  for (auto& [mb, dirs] : ready_)
    for (auto& d : dirs) remove_scratch_volume(d);
  for (auto& [dir, mb] : returned_) remove_scratch_volume(dir);
}

fs::path scratch_pool::next_dir() {
  std::lock_guard lock(mu_);
  return root_ / ("vol-" + std::to_string(next_++));
}

bool scratch_pool::empty_volume(const fs::path& dir, uid_t uid, gid_t gid) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    fs::remove_all(it->path(), ec);
    if (ec) return false;
  }
  if (ec) return false;
  // What the function did to its /tmp's root: owner, mode, ACLs.
  ::removexattr(dir.c_str(), "system.posix_acl_access");
  ::removexattr(dir.c_str(), "system.posix_acl_default");
  return ::chown(dir.c_str(), uid, gid) == 0 && ::chmod(dir.c_str(), 0755) == 0;
}

bool scratch_pool::give_back(const fs::path& dir) {
  std::lock_guard lock(mu_);
  auto it = sizes_.find(dir);
  if (it == sizes_.end()) return false;
  if (worker_.joinable()) {
    returned_.emplace_back(dir, it->second);
    cv_.notify_all();
  } else {
    sizes_.erase(it);
    remove_scratch_volume(dir);
  }
  return true;
}

result<fs::path> scratch_pool::take(int mb) {
  {
    std::lock_guard lock(mu_);
    wanted_[mb] = std::chrono::steady_clock::now();
    auto& ready = ready_[mb];
    if (!ready.empty()) {
      fs::path dir = std::move(ready.front());
      ready.pop_front();
      cv_.notify_all();
      return dir;
    }
  }
  cv_.notify_all();  // a size not ready: the worker keeps some from now on
  fs::path dir = next_dir();
  if (auto made = make_scratch_volume(dir, mb, uid_, gid_); !made) return std::move(made).error();
  std::lock_guard lock(mu_);
  sizes_[dir] = mb;
  return dir;
}

void scratch_pool::work() {
  // Making and emptying volumes must not take CPU from cold starts: nice 19 for this thread
  // (and so for the mkfs it runs).
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!returned_.empty()) {
      auto [dir, mb] = std::move(returned_.front());
      returned_.pop_front();
      bool enough = static_cast<int>(ready_[mb].size()) >= spares_ + 2;
      lock.unlock();
      bool clean = !enough && empty_volume(dir, uid_, gid_);
      if (!clean) remove_scratch_volume(dir);
      lock.lock();
      if (clean && !stop_) {
        ready_[mb].push_back(dir);
      } else {
        if (clean) remove_scratch_volume(dir);
        sizes_.erase(dir);
      }
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    int need = 0;
    for (auto& [mb, since] : wanted_) {
      if (now - since > wanted_for && mb != default_mb) continue;
      if (static_cast<int>(ready_[mb].size()) < spares_) {
        need = mb;
        break;
      }
    }
    if (need == 0) {
      cv_.wait_for(lock, std::chrono::seconds(30));
      continue;
    }
    fs::path dir = root_ / ("vol-" + std::to_string(next_++));
    lock.unlock();
    auto made = make_scratch_volume(dir, need, uid_, gid_);
    lock.lock();
    if (!made) {  // out of loop devices or space: try again later rather than spin
      cv_.wait_for(lock, std::chrono::seconds(5));
      continue;
    }
    if (stop_) {
      remove_scratch_volume(dir);
      break;
    }
    sizes_[dir] = need;
    ready_[need].push_back(std::move(dir));
  }
}

}  // namespace lambdakit::platform::env
