// unique_fd: the one owned file descriptor type of the tree, and the one EINTR retry.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace lambdakit::base {

// Calls f() again while it fails with EINTR; returns its last result. For POSIX calls that
// return -1 and set errno (read, write, waitpid, connect, ...).
template <class F>
auto retry_eintr(F&& f) -> decltype(f()) {
  while (true) {
    auto r = f();
    if (!(r == -1 && errno == EINTR)) return r;
  }
}

// Owns one file descriptor and closes it on destruction. Move-only; -1 is "none".
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Gives up ownership: the caller closes the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the held descriptor (an EINTR from close is not retried: Linux has closed it).
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A pipe: read end, write end. Both close-on-exec.
struct pipe_fds {
  unique_fd read;
  unique_fd write;
};

}  // namespace lambdakit::base
