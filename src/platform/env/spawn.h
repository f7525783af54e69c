// The one way the service starts a process: posix_spawn into a process group of its own, with
// signals reset, stdin from /dev/null, stdout and stderr on `out_fd`, optionally `fd3` as fd 3,
// and every other descriptor closed (no listening socket of the service leaks into a runtime).
#pragma once

#include <sys/types.h>

#include "wire/result.h"

namespace lambdakit::platform::env {

// Returns the pid, or the error of posix_spawn. `cwd` may be null (stay where we are).
result<pid_t> spawn_in_group(const char* path, char* const argv[], char* const envp[], int out_fd,
                             int fd3 = -1, const char* cwd = nullptr);

}  // namespace lambdakit::platform::env
