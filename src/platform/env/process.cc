#include "platform/env/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cctype>
#include <cstring>
#include <fstream>

#include "base/child.h"
#include "platform/env/peer.h"

namespace lambdakit::platform::env {
namespace asio = boost::asio;
namespace {

class process_impl final : public process {
 public:
  process_impl(asio::io_context& io, pid_t pid, base::unique_fd out_fd, base::unique_fd pid_fd,
               base::unique_fd status_fd, output_fn on_output, exit_fn on_exit)
      : pid_(pid),
        status_(std::move(status_fd)),
        out_(io, out_fd.release()),
        exit_watch_(io, pid_fd.release()),
        on_output_(std::move(on_output)),
        on_exit_(std::move(on_exit)),
        alive_(std::make_shared<bool>(true)) {}

  ~process_impl() override {
    *alive_ = false;
    if (running_) {
      kill();
      int status = 0;
      base::retry_eintr([&] {
        return ::waitpid(pid_, &status, 0);
      });  // SIGKILL is immediate; do not leave a zombie
    }
    boost::system::error_code ec;
    out_.close(ec);
    exit_watch_.close(ec);
    if (status_fd_ >= 0) ::close(status_fd_);
  }

  void start() {
    read_output();
    std::weak_ptr<bool> alive = alive_;
    exit_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, alive](boost::system::error_code ec) {
                             if (alive.expired() || ec) return;
                             reap();
                           });
  }

  pid_t pid() const override { return pid_; }
  bool running() const override { return running_; }

  void kill() override {
    if (!running_) return;
    ::kill(-pid_, SIGKILL);
    ::kill(-pid_, SIGCONT);
  }
  void terminate() override {
    if (running_) ::kill(pid_, SIGTERM);
  }
  void freeze() override {
    if (running_) ::kill(-pid_, SIGSTOP);
  }
  void thaw() override {
    if (running_) ::kill(-pid_, SIGCONT);
  }

  std::int64_t peak_rss_kib() const override {
    if (!running_) return maxrss_kib_;
    // One pread on a descriptor kept open: this runs after every invoke.
    if (status_fd_ < 0)
      status_fd_ =
          ::open(("/proc/" + std::to_string(pid_) + "/status").c_str(), O_RDONLY | O_CLOEXEC);
    if (status_fd_ < 0) return maxrss_kib_;
    char buf[4096];
    ssize_t n = ::pread(status_fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return maxrss_kib_;
    buf[n] = '\0';
    const char* hwm = std::strstr(buf, "VmHWM:");
    return hwm != nullptr ? std::atoll(hwm + 6) : maxrss_kib_;
  }

  bool holds_peer_of(int fd) const override {
    auto inode = peer_socket_inode(fd);
    return inode && running_ && tree_holds_socket(pid_, *inode);
  }

  void drain_output() override {
    char buf[65536];
    while (true) {
      ssize_t n = ::read(out_.native_handle(), buf, sizeof buf);
      if (n <= 0) return;
      on_output_(std::string_view(buf, static_cast<std::size_t>(n)));
    }
  }

 private:
  void read_output() {
    std::weak_ptr<bool> alive = alive_;
    out_.async_read_some(asio::buffer(buf_),
                         [this, alive](boost::system::error_code ec, std::size_t n) {
                           if (alive.expired()) return;
                           if (n > 0) on_output_(std::string_view(buf_.data(), n));
                           if (!ec) read_output();
                         });
  }

  void reap() {
    int status = 0;
    rusage ru{};
    pid_t r = ::wait4(pid_, &status, WNOHANG, &ru);
    if (r != pid_) return;
    maxrss_kib_ = ru.ru_maxrss;
    running_ = false;
    if (status_fd_ >= 0) {
      ::close(status_fd_);
      status_fd_ = -1;
    }
    drain_output();
    std::string launch_error = read_launch_error();
    // A launcher that was its PID namespace's init ends normally and reports the runtime's own
    // wait status on its last line.
    if (auto at = launch_error.rfind("status: ");
        at != std::string::npos && (at == 0 || launch_error[at - 1] == '\n')) {
      status = std::atoi(launch_error.c_str() + at + 8);
      launch_error.erase(at > 0 ? at - 1 : 0);
    }
    auto cb = std::move(on_exit_);
    if (cb) cb(status, std::move(launch_error));
  }

  // What the launcher wrote on its status channel: written before it exited, so it is in the
  // pipe by the time the exit is seen. Empty after a successful exec (end of file at once).
  std::string read_launch_error() {
    std::string text;
    if (!status_) return text;
    ::fcntl(status_.get(), F_SETFL, O_NONBLOCK);
    char buf[4096];
    while (text.size() < 16384) {
      ssize_t n = base::retry_eintr([&] { return ::read(status_.get(), buf, sizeof buf); });
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    status_.reset();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  pid_t pid_;
  base::unique_fd status_;
  asio::posix::stream_descriptor out_;
  asio::posix::stream_descriptor exit_watch_;
  output_fn on_output_;
  exit_fn on_exit_;
  std::shared_ptr<bool> alive_;  // callbacks check it: the process object may be gone
  std::array<char, 65536> buf_{};
  bool running_ = true;
  std::int64_t maxrss_kib_ = 0;
  mutable int status_fd_ = -1;  // /proc/<pid>/status, opened on first use
};

}  // namespace

// Go's words for Linux's signals (syscall.Signal.String(), as in Go's signal table), which
// Lambda prints in "Runtime exited with error: signal: killed". Others are "signal N".
std::string go_signal_name(int sig) {
  static constexpr const char* names[] = {
      nullptr,
      "hangup",
      "interrupt",
      "quit",
      "illegal instruction",
      "trace/breakpoint trap",
      "aborted",
      "bus error",
      "floating point exception",
      "killed",
      "user defined signal 1",
      "segmentation fault",
      "user defined signal 2",
      "broken pipe",
      "alarm clock",
      "terminated",
      "stack fault",
      "child exited",
      "continued",
      "stopped (signal)",
      "stopped",
      "stopped (tty input)",
      "stopped (tty output)",
      "urgent I/O condition",
      "CPU time limit exceeded",
      "file size limit exceeded",
      "virtual timer expired",
      "profiling timer expired",
      "window changed",
      "I/O possible",
      "power failure",
      "bad system call",
  };
  if (sig > 0 && sig < static_cast<int>(std::size(names))) return names[sig];
  return "signal " + std::to_string(sig);
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string s = "signal: " + go_signal_name(WTERMSIG(status));
    if (WCOREDUMP(status)) s += " (core dumped)";
    return s;
  }
  return "unknown exit " + std::to_string(status);
}

std::unique_ptr<process> process::adopt(asio::io_context& io, pid_t pid, base::unique_fd out_fd,
                                        base::unique_fd pid_fd, base::unique_fd status_fd,
                                        output_fn on_output, exit_fn on_exit) {
  ::fcntl(out_fd.get(), F_SETFL, O_NONBLOCK);
  auto p = std::make_unique<process_impl>(io, pid, std::move(out_fd), std::move(pid_fd),
                                          std::move(status_fd), std::move(on_output),
                                          std::move(on_exit));
  p->start();
  return p;
}

result<std::unique_ptr<process>> process::spawn(asio::io_context& io, const spawn_spec& spec,
                                                output_fn on_output, exit_fn on_exit) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return make_failure(errno_code(), "creating a pipe");
  base::unique_fd out_read(pipe_fds[0]), out_write(pipe_fds[1]);
  base::unique_fd status_read, status_write;
  if (spec.launcher_status) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return make_failure(errno_code(), "creating a pipe");
    status_read.reset(pipe_fds[0]);
    status_write.reset(pipe_fds[1]);
  }
  base::child_spec child;
  child.argv = spec.argv;
  child.env = spec.env;
  child.cwd = spec.cwd;
  child.out = child.err = base::child_io::fd;
  child.out_fd = child.err_fd = out_write.get();
  child.fd3 = status_write.get();
  child.own_process_group = true;
  child.reset_signals = true;
  auto spawned = base::start_child(child);
  out_write.reset();
  status_write.reset();
  if (!spawned) return std::move(spawned).error();
  pid_t pid = *spawned;
  base::unique_fd pid_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pid_fd) {
    auto err = errno_code();
    ::kill(-pid, SIGKILL);
    base::wait_child(pid);
    return make_failure(err, "pidfd_open (Linux 5.3 or later is needed)");
  }
  return adopt(io, pid, std::move(out_read), std::move(pid_fd), std::move(status_read),
               std::move(on_output), std::move(on_exit));
}

}  // namespace lambdakit::platform::env
