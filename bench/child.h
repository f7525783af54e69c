// A benchmark's child process (lambdakit serve, aws-lambda-rie): started with base::start_child
// in its own process group, its first stdout line readable, the whole group killed when the
// object goes away.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/child.h"
#include "base/unique_fd.h"

extern char** environ;  // NOLINT: POSIX

namespace lambdakit::bench {

// A child process whose stdout we read; killed (group) on destruction.
class child {
 public:
  explicit child(const std::vector<std::string>& argv,
                 const std::vector<std::string>& extra_env = {}, bool capture_stdout = true) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    out_.reset(fds[0]);
    base::unique_fd write_end(fds[1]);
    base::child_spec spec;
    spec.argv = argv;
    spec.search_path = true;
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    spec.env = std::move(env);
    spec.in = base::child_io::inherit;
    // Nobody reads an uncaptured stdout: /dev/null, so a full pipe cannot stall the child.
    spec.out = capture_stdout ? base::child_io::fd : base::child_io::null;
    spec.out_fd = write_end.get();
    spec.err = base::child_io::null;
    spec.own_process_group = true;
    auto pid = base::start_child(spec);
    if (!pid) throw std::runtime_error(pid.error().message());
    pid_ = *pid;
  }
  ~child() {
    ::kill(-pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 5000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(1000);
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, WNOHANG);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  // The first stdout line, within `ms`.
  std::string read_line(int ms) {
    std::string line;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    char c;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{out_.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::read(out_.get(), &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    throw std::runtime_error("no line from child within " + std::to_string(ms) + " ms");
  }

 private:
  pid_t pid_ = 0;
  base::unique_fd out_;
};

}  // namespace lambdakit::bench
