// Running the tools a build needs (cmake, zig, patchelf, python3): argv in, exit status and
// (optionally) standard output back. The child's own output goes to our stderr, so a command's
// stdout stays clean for what it prints on purpose.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "wire/result.h"

namespace lambdakit::package {

struct command_output {
  int exit_status = 0;  // the exit code, or 128 + signal number
  std::string out;      // standard output, when captured
};

// Runs argv[0] (looked up in PATH) with the current environment. Fails only when the program
// cannot be started; a non-zero exit is a value. `cwd` empty: stay where we are.
// `quiet`: the child's stderr goes to /dev/null (probes whose failure is an answer).
result<command_output> run_command(const std::vector<std::string>& argv, bool capture_stdout,
                                   const std::filesystem::path& cwd = {}, bool quiet = false);

// The absolute path of `program` found in PATH, or empty.
std::filesystem::path find_in_path(const std::string& program);

}  // namespace lambdakit::package
