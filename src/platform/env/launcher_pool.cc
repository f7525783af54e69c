#include "platform/env/launcher_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/child.h"

namespace lambdakit::platform::env {
namespace {

void discard(parked_launcher& l) {
  if (l.pid > 0) {
    ::kill(-l.pid, SIGKILL);
    ::waitpid(l.pid, nullptr, 0);
  }
  l.pid_fd.reset();
  l.status.reset();
  l.out_fd.reset();
  l.control.reset();
  l.cgroup.reset();
}

}  // namespace

launcher_pool::launcher_pool(std::filesystem::path launcher, int spares, bool prepare_namespaces,
                             bool pid_namespace)
    : launcher_(std::move(launcher)),
      spares_(spares),
      prepare_namespaces_(prepare_namespaces),
      pid_namespace_(pid_namespace) {
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

result<parked_launcher> spawn_launcher(const std::filesystem::path& launcher,
                                       bool prepare_namespaces, bool pid_namespace) {
  parked_launcher l;
  int out[2], ctl[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return make_failure(errno_code(), "pipe");
  l.out_fd.reset(out[0]);
  base::unique_fd out_write(out[1]);
  if (::pipe2(ctl, O_CLOEXEC) != 0) return make_failure(errno_code(), "pipe");
  l.control.reset(ctl[1]);
  base::unique_fd ctl_read(ctl[0]);
  int st[2];
  if (::pipe2(st, O_CLOEXEC) != 0) return make_failure(errno_code(), "pipe");
  l.status.reset(st[0]);
  base::unique_fd status_write(st[1]);
  base::child_spec spec;
  spec.argv = {launcher.string(), "--status-fd=4"};
  if (prepare_namespaces) spec.argv.emplace_back("--park-in-namespaces");
  spec.env = std::vector<std::string>{};
  spec.out = spec.err = base::child_io::fd;
  spec.out_fd = spec.err_fd = out_write.get();
  spec.fd3 = ctl_read.get();
  spec.fd4 = status_write.get();
  spec.own_process_group = true;
  spec.reset_signals = true;
  spec.new_pid_namespace = prepare_namespaces && pid_namespace;
  auto spawned = base::start_child(spec);
  out_write.reset();
  ctl_read.reset();
  status_write.reset();
  if (!spawned) {
    discard(l);
    return std::move(spawned).error();
  }
  l.pid = *spawned;
  l.pid_fd.reset(static_cast<int>(::syscall(SYS_pidfd_open, l.pid, 0)));
  if (!l.pid_fd) {
    auto err = errno_code();
    discard(l);
    return make_failure(err, "pidfd_open (Linux 5.3 or later is needed)");
  }
  return l;
}

result<parked_launcher> launcher_pool::start_one() {
  auto l = spawn_launcher(launcher_, prepare_namespaces_, pid_namespace_);
  if (!l) return std::move(l).error();
  auto cg =
      memory_cgroup::create("spare-" + std::to_string(::getpid()) + "-" + std::to_string(next_++),
                            std::int64_t{10240} * 1024 * 1024);
  if (!cg) {
    discard(*l);
    return make_failure(std::make_error_code(std::errc::resource_unavailable_try_again),
                        "parking a launcher");
  }
  l->cgroup = std::move(cg).value();
  if (auto a = l->cgroup->attach(l->pid); !a) {
    discard(*l);
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
    ssize_t n = base::retry_eintr([&] { return ::write(l.control.get(), p, left); });
    if (n <= 0) {
      auto err = errno_code();
      l.control.reset();
      return make_failure(err, "handing the command to the launcher");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  l.control.reset();  // end of file: the launcher execs now
  return {};
}

}  // namespace lambdakit::platform::env
