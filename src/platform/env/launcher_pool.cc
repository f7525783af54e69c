#include "platform/env/launcher_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "platform/env/spawn.h"

namespace lambdakit::platform::env {
namespace {

void discard(parked_launcher& l) {
  if (l.pid > 0) {
    ::kill(-l.pid, SIGKILL);
    ::waitpid(l.pid, nullptr, 0);
  }
  for (int fd : {l.pid_fd, l.out_fd, l.control}) {
    if (fd >= 0) ::close(fd);
  }
  l.cgroup.reset();
}

std::error_code errno_code() {
  return {errno, std::system_category()};
}

}  // namespace

launcher_pool::launcher_pool(std::filesystem::path launcher, int spares, bool prepare_namespaces)
    : launcher_(std::move(launcher)), spares_(spares), prepare_namespaces_(prepare_namespaces) {
  std::error_code ec;
  enabled_ =
      spares_ > 0 && std::filesystem::exists(launcher_, ec) && memory_cgroup_root().available;
  if (enabled_) worker_ = std::thread([this] { work(); });
}

launcher_pool::~launcher_pool() {
  shutdown();
}

void launcher_pool::shutdown() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  for (auto& l : ready_) discard(l);
  ready_.clear();
}

std::optional<parked_launcher> launcher_pool::take() {
  if (!enabled_) return std::nullopt;
  std::optional<parked_launcher> out;
  {
    std::lock_guard lock(mu_);
    if (!ready_.empty()) {
      out = std::move(ready_.front());
      ready_.pop_front();
    }
  }
  cv_.notify_all();  // refill
  return out;
}

void launcher_pool::work() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (static_cast<int>(ready_.size()) >= spares_) {
      cv_.wait(lock);
      continue;
    }
    lock.unlock();
    auto l = start_one();
    lock.lock();
    if (!l) {  // out of processes or cgroups: try again later rather than spin
      cv_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    if (stop_) {
      discard(*l);
      break;
    }
    ready_.push_back(std::move(l).value());
  }
}

result<parked_launcher> launcher_pool::start_one() {
  parked_launcher l;
  int out[2], ctl[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return make_failure(errno_code(), "pipe");
  if (::pipe2(ctl, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return make_failure(errno_code(), "pipe");
  }
  std::string path = launcher_.string();
  std::string park = "--park-in-namespaces";
  char* argv[] = {path.data(), prepare_namespaces_ ? park.data() : nullptr, nullptr};
  char* envp[] = {nullptr};
  auto spawned = spawn_in_group(path.c_str(), argv, envp, out[1], ctl[0]);
  ::close(out[1]);
  ::close(ctl[0]);
  l.out_fd = out[0];
  l.control = ctl[1];
  if (!spawned) {
    discard(l);
    return std::move(spawned).error();
  }
  l.pid = *spawned;
  l.pid_fd = static_cast<int>(::syscall(SYS_pidfd_open, l.pid, 0));
  auto cg =
      memory_cgroup::create("spare-" + std::to_string(::getpid()) + "-" + std::to_string(next_++),
                            std::int64_t{10240} * 1024 * 1024);
  if (l.pid_fd < 0 || !cg) {
    discard(l);
    return make_failure(std::make_error_code(std::errc::resource_unavailable_try_again),
                        "parking a launcher");
  }
  l.cgroup = std::move(cg).value();
  if (auto a = l.cgroup->attach(l.pid); !a) {
    discard(l);
    return std::move(a).error();
  }
  return l;
}

result<void> release_launcher(parked_launcher& l, const std::vector<std::string>& argv,
                              const std::vector<std::string>& env,
                              const std::filesystem::path& cwd) {
  std::string spec;
  auto add = [&](const std::string& s) {
    spec.append(s);
    spec.push_back('\0');
  };
  add(cwd.string());
  add(std::to_string(argv.size()));
  for (const auto& a : argv) add(a);
  add(std::to_string(env.size()));
  for (const auto& e : env) add(e);
  const char* p = spec.data();
  std::size_t left = spec.size();
  while (left > 0) {
    ssize_t n = ::write(l.control, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto err = errno_code();
      ::close(l.control);
      l.control = -1;
      return make_failure(err, "handing the command to the launcher");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(l.control);  // end of file: the launcher execs now
  l.control = -1;
  return {};
}

}  // namespace lambdakit::platform::env
