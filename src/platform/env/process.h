// A runtime process: spawned in its own process group with stdout and stderr on one pipe (as
// Lambda merges them into one log stream), watched through a pidfd, killed as a group.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

struct spawn_spec {
  std::vector<std::string> argv;  // argv[0] is the program path
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::filesystem::path cwd;
  // The program is lambdakit-launcher with --status-fd=3: give it a status pipe as fd 3 and
  // report what it writes there as the launch error.
  bool launcher_status = false;
};

// How a process ended, in Go's words as Lambda prints them: "exit status 3", "signal: killed".
std::string describe_exit(int wait_status);

class process {
 public:
  using output_fn = std::function<void(std::string_view bytes)>;
  // `launch_error`: what lambdakit-launcher reported on its status channel before it exited
  // ("exec: cannot start ...", "launcher: ..."), or empty: the runtime itself ran and ended.
  using exit_fn = std::function<void(int wait_status, std::string launch_error)>;

  // Starts the process. `on_output` gets its stdout/stderr bytes as they come; `on_exit` runs once
  // when it ends (after the remaining output was delivered). Both run on io's thread.
  static result<std::unique_ptr<process>> spawn(boost::asio::io_context& io, const spawn_spec& spec,
                                                output_fn on_output, exit_fn on_exit);

  // Takes over a process started elsewhere (a parked launcher): its pid, the read end of its
  // output pipe, its pidfd and (may be empty) the read end of its status channel, all now owned
  // by the process object.
  static std::unique_ptr<process> adopt(boost::asio::io_context& io, pid_t pid,
                                        base::unique_fd out_fd, base::unique_fd pid_fd,
                                        base::unique_fd status_fd, output_fn on_output,
                                        exit_fn on_exit);

  virtual ~process() = default;  // kills the group if still running
  virtual pid_t pid() const = 0;
  virtual bool running() const = 0;
  virtual void kill() = 0;       // SIGKILL to the process group (and SIGCONT, so a frozen one dies)
  virtual void terminate() = 0;  // SIGTERM to the process itself (a shutdown's first step)
  virtual void freeze() = 0;     // SIGSTOP to the group: no CPU between invokes
  virtual void thaw() = 0;       // SIGCONT to the group
  // Peak resident memory in KiB: VmHWM while it runs, ru_maxrss once it ended.
  virtual std::int64_t peak_rss_kib() const = 0;
  // Delivers whatever output is in the pipe right now (non-blocking).
  virtual void drain_output() = 0;
  // Whether the other end of the accepted loopback connection `fd` is held by this process or
  // one of its descendants (peer.h).
  virtual bool holds_peer_of(int fd) const = 0;
};

}  // namespace lambdakit::platform::env
