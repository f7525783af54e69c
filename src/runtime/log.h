// The runtime's own messages: one line each on stderr, which Lambda puts in the function's log.
#pragma once

#include <string_view>

namespace lambdakit::runtime {

// Writes "lambdakit: <message>\n" to fd 2 in one write(2). No iostream: the runtime keeps its
// start-up cost and size down.
void log_line(std::string_view message) noexcept;

}  // namespace lambdakit::runtime
