// A benchmark's child process (lambdakit serve, aws-lambda-rie): spawned in its own process
// group, its first stdout line readable, the whole group killed when the object goes away.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;  // NOLINT: POSIX

namespace lambdakit::bench {

// A child process whose stdout we read; killed (group) on destruction.
class child {
 public:
  explicit child(const std::vector<std::string>& argv,
                 const std::vector<std::string>& extra_env = {}, bool capture_stdout = true) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_store(extra_env);
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
    for (auto& e : env_store) env.push_back(e.data());
    env.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (capture_stdout) {
      posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    } else {  // nobody reads it: a full pipe would stall the child
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    int rc = ::posix_spawnp(&pid_, args[0], &fa, &attr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  ~child() {
    ::kill(-pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 5000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(1000);
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, WNOHANG);
    ::close(out_);
  }
  // The first stdout line, within `ms`.
  std::string read_line(int ms) {
    std::string line;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    char c;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    throw std::runtime_error("no line from child within " + std::to_string(ms) + " ms");
  }

 private:
  pid_t pid_ = 0;
  int out_ = -1;
};

}  // namespace lambdakit::bench
