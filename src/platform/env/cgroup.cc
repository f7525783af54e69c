#include "platform/env/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

namespace lambdakit::platform::env {
namespace fs = std::filesystem;
namespace {

bool write_file(const fs::path& p, const std::string& value) {
  std::ofstream out(p);
  out << value;
  out.flush();
  return static_cast<bool>(out);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// This process's cgroup in the v1 hierarchy holding `controller` ("memory", "pids"), or for
// an empty `controller` its v2 cgroup; empty when there is none. (/proc/self/cgroup lines are
// hierarchy-id:controllers:path.)
std::string own_cgroup(std::string_view controller) {
  std::ifstream self("/proc/self/cgroup");
  for (std::string line; std::getline(self, line);) {
    auto a = line.find(':');
    auto b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
    bool match =
        controller.empty()
            ? line.substr(0, a) == "0" && controllers.empty()
            : ("," + std::string(controllers) + ",").find("," + std::string(controller) + ",") !=
                  std::string::npos;
    if (match) return line.substr(b + 1);
  }
  return {};
}

cgroup_root probe() {
  cgroup_root root;
  std::string v1_path = own_cgroup("memory"), v2_path = own_cgroup("");
  std::string name = "lambdakit-" + std::to_string(::getpid());
  std::error_code ec;
  if (!v1_path.empty() && fs::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes", ec)) {
    fs::path dir = fs::path("/sys/fs/cgroup/memory") / fs::path(v1_path).relative_path() / name;
    if (fs::create_directory(dir, ec) || fs::is_directory(dir)) {
      root = {true, 1, dir, {}};
      return root;
    }
    root.why_not = "cannot create " + dir.string() + ": " + ec.message();
  }
  if (!v2_path.empty() && fs::exists("/sys/fs/cgroup/cgroup.controllers", ec)) {
    fs::path parent = fs::path("/sys/fs/cgroup") / fs::path(v2_path).relative_path();
    if (read_file(parent / "cgroup.controllers").find("memory") == std::string::npos) {
      root.why_not = "the memory controller is not delegated to " + parent.string();
      return root;
    }
    fs::path dir = parent / name;
    if (!fs::create_directory(dir, ec) && !fs::is_directory(dir)) {
      root.why_not = "cannot create " + dir.string() + ": " + ec.message();
      return root;
    }
    // Children of `dir` need the controller enabled in its subtree_control (dir has no processes).
    write_file(dir / "cgroup.subtree_control", "+pids");  // where delegated: Lambda's task limit
    if (!write_file(dir / "cgroup.subtree_control", "+memory")) {
      fs::remove(dir, ec);
      root.why_not = "cannot enable the memory controller below " + parent.string();
      return root;
    }
    root = {true, 2, dir, {}};
    return root;
  }
  if (root.why_not.empty()) root.why_not = "no writable memory cgroup (v1 or v2) for this process";
  return root;
}

// Kills every process in the cgroup `dir` and waits (up to ~1 s) until it is empty: whatever
// the function forked, setsid or not. v2 has cgroup.kill for that; v1 is a loop, since a task
// may fork while it is being read (each round kills all it lists; SIGKILL also ends stopped
// ones).
void kill_all_in(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "cgroup.kill", ec)) write_file(dir / "cgroup.kill", "1");
  for (int round = 0; round < 1000; ++round) {
    std::string procs = read_file(dir / "cgroup.procs");
    const char* p = procs.c_str();
    bool any = false;
    while (*p != '\0') {
      char* end = nullptr;
      long pid = std::strtol(p, &end, 10);
      if (end == p) break;
      if (pid > 0) {
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        any = true;
      }
      p = end;
    }
    if (!any) return;
    ::usleep(1000);
  }
}

// Roots left by services that died without cleaning up (their pid is gone): what still runs
// there is killed, then they are removed.
void remove_stale_roots(const fs::path& parent) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    std::string n = entry.path().filename().string();
    if (n.rfind("lambdakit-", 0) != 0 || fs::exists("/proc/" + n.substr(10), ec)) continue;
    for (const auto& child : fs::directory_iterator(entry.path(), ec)) {
      if (!child.is_directory(ec)) continue;
      kill_all_in(child.path());
      ::rmdir(child.path().c_str());
    }
    ::rmdir(entry.path().c_str());
  }
}

// v1: the pids hierarchy beside the memory one, <service's pids cgroup>/lambdakit-<pid>; empty
// when there is none (v2 uses the memory cgroup's own folder).
fs::path probe_pids_root_v1() {
  std::string path = own_cgroup("pids");
  if (path.empty()) return {};
  std::error_code ec;
  fs::path dir = fs::path("/sys/fs/cgroup/pids") / fs::path(path).relative_path() /
                 ("lambdakit-" + std::to_string(::getpid()));
  if (fs::create_directory(dir, ec) || fs::is_directory(dir, ec)) return dir;
  return {};
}

const fs::path& pids_root_v1() {
  static const fs::path root = [] {
    fs::path r = probe_pids_root_v1();
    if (!r.empty()) remove_stale_roots(r.parent_path());
    return r;
  }();
  return root;
}

cgroup_root& root_storage() {
  static cgroup_root root = [] {
    cgroup_root r = probe();
    if (r.available) remove_stale_roots(r.dir.parent_path());
    return r;
  }();
  return root;
}

}  // namespace

const cgroup_root& memory_cgroup_root() {
  return root_storage();
}

void remove_memory_cgroup_root() {
  cgroup_root& r = root_storage();
  if (!r.available) return;
  std::error_code ec;
  fs::remove(r.dir, ec);
  if (r.version == 1 && !pids_root_v1().empty()) fs::remove(pids_root_v1(), ec);
  r.available = false;
}

result<std::unique_ptr<memory_cgroup>> memory_cgroup::create(const std::string& name,
                                                             std::int64_t limit_bytes) {
  const cgroup_root& root = memory_cgroup_root();
  if (!root.available)
    return make_failure(std::make_error_code(std::errc::not_supported), root.why_not);
  fs::path dir = root.dir / name;
  std::error_code ec;
  if (!fs::create_directory(dir, ec)) {
    return make_failure(ec ? ec : std::make_error_code(std::errc::file_exists),
                        "creating " + dir.string());
  }
  std::unique_ptr<memory_cgroup> cg(new memory_cgroup(dir, root.version));
  if (auto r = cg->set_limit(limit_bytes); !r) return std::move(r).error();
  // Lambda's limit on processes and threads, where the pids controller is there.
  if (root.version == 1 && !pids_root_v1().empty()) {
    fs::path pids = pids_root_v1() / name;
    if (fs::create_directory(pids, ec) && write_file(pids / "pids.max", std::to_string(max_tasks)))
      cg->pids_dir_ = pids;
  } else if (root.version == 2 && fs::exists(dir / "pids.max", ec)) {
    write_file(dir / "pids.max", std::to_string(max_tasks));
  }
  return cg;
}

result<void> memory_cgroup::set_limit(std::int64_t limit_bytes) {
  std::string limit = std::to_string(limit_bytes);
  if (version_ == 1) {
    // memsw (memory + swap) must stay >= the memory limit: order the writes so it always is.
    bool has_memsw = fs::exists(dir_ / "memory.memsw.limit_in_bytes");
    std::string current = read_file(dir_ / "memory.limit_in_bytes");
    bool growing = !current.empty() && std::atoll(current.c_str()) < limit_bytes;
    if (has_memsw && growing) write_file(dir_ / "memory.memsw.limit_in_bytes", limit);
    if (!write_file(dir_ / "memory.limit_in_bytes", limit)) {
      return make_failure(std::make_error_code(std::errc::permission_denied),
                          "setting the limit of " + dir_.string());
    }
    // No swapping past the limit: Lambda has no swap. (Absent when the kernel does not account
    // swap.)
    if (has_memsw && !growing) write_file(dir_ / "memory.memsw.limit_in_bytes", limit);
    return {};
  }
  if (!write_file(dir_ / "memory.max", limit)) {
    return make_failure(std::make_error_code(std::errc::permission_denied),
                        "setting the limit of " + dir_.string());
  }
  if (fs::exists(dir_ / "memory.swap.max")) write_file(dir_ / "memory.swap.max", "0");
  return {};
}

memory_cgroup::~memory_cgroup() {
  if (peak_fd_ >= 0) ::close(peak_fd_);
  kill_all_in(dir_);  // what the runtime left behind (outside a PID namespace)
  std::error_code ec;
  if (!pids_dir_.empty()) {
    kill_all_in(pids_dir_);
    for (int i = 0; i < 100 && ::rmdir(pids_dir_.c_str()) != 0 && errno == EBUSY; ++i)
      ::usleep(1000);
  }
  // The kernel refuses while exiting tasks are still accounted; they are gone within moments.
  for (int i = 0; i < 100 && fs::exists(dir_, ec); ++i) {
    if (::rmdir(dir_.c_str()) == 0 || errno == ENOENT) return;
    ::usleep(1000);
  }
}

result<void> memory_cgroup::attach(pid_t pid) {
  if (!write_file(dir_ / "cgroup.procs", std::to_string(pid))) {
    return make_failure(std::make_error_code(std::errc::permission_denied),
                        "moving " + std::to_string(pid) + " into " + dir_.string());
  }
  if (!pids_dir_.empty()) write_file(pids_dir_ / "cgroup.procs", std::to_string(pid));
  return {};
}

std::int64_t memory_cgroup::peak_bytes() const {
  if (peak_fd_ < 0) {
    auto path = dir_ / (version_ == 1 ? "memory.max_usage_in_bytes" : "memory.peak");
    peak_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (peak_fd_ < 0) return 0;
  }
  char buf[32];
  ssize_t n = ::pread(peak_fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return std::atoll(buf);
}

}  // namespace lambdakit::platform::env
