// Starting a child process: the one way in the tree. An argv vector, never a shell string, so
// nothing a user wrote is ever parsed by /bin/sh.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace lambdakit::base {

// Where one of the child's standard streams goes.
enum class child_io {
  inherit,  // this process's own
  null,     // /dev/null
  fd,       // the descriptor given beside it
};

struct child_spec {
  std::vector<std::string> argv;  // argv[0]: a path, or a program name when search_path
  // "NAME=value", the child's whole environment; nullopt: this process's environment.
  std::optional<std::vector<std::string>> env;
  std::filesystem::path cwd;  // empty: stay where we are
  bool search_path = false;   // look argv[0] up in PATH
  child_io in = child_io::null;
  int in_fd = -1;
  child_io out = child_io::inherit;
  int out_fd = -1;
  child_io err = child_io::inherit;
  int err_fd = -1;
  int fd3 = -1;                    // given to the child as its fd 3 when >= 0
  int fd4 = -1;                    // given to the child as its fd 4 when >= 0
  bool close_other_fds = true;     // every other descriptor above 2 is closed in the child
  bool own_process_group = false;  // the child leads a new process group (kill(-pid) reaches all)
  bool reset_signals = false;      // default dispositions and an empty signal mask
  bool new_pid_namespace = false;  // the child is pid 1 of a new PID namespace (needs root)
};

// Starts the child; returns its pid. Fails with the errno of posix_spawn (ENOENT, EACCES,
// ENOEXEC...) and a message naming the program.
result<pid_t> start_child(const child_spec& spec);

// Waits for `pid` (retrying EINTR) and returns its wait status.
int wait_child(pid_t pid);

// A wait status as an exit code: the exit status, or 128 + the signal number.
int exit_code_of(int wait_status);

struct child_output {
  int exit_code = 0;  // exit_code_of the wait status
  std::string out;    // standard output, when captured
};

// Runs the child to its end. With `capture_stdout` its stdout is collected (spec.out is then
// ignored). Fails only when it cannot be started; a non-zero exit is a value.
result<child_output> run_child(child_spec spec, bool capture_stdout);

}  // namespace lambdakit::base

namespace lambdakit::base {

// Runs a tool the way build steps do (cmake, zig, patchelf, python3): argv[0] looked up in
// PATH, this process's environment, the child's stdout captured or sent to our stderr (so our
// own stdout stays clean for what we print on purpose); `quiet` sends its stderr to /dev/null
// (probes whose failure is an answer).
result<child_output> run_tool(std::vector<std::string> argv, bool capture_stdout,
                              const std::filesystem::path& cwd = {}, bool quiet = false);

}  // namespace lambdakit::base
