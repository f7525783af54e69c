// A Runtime API server for benchmarks: spawns one runtime, times its start, serves it N
// invocations of a fixed event, then answers /next with 500 so it exits.
#pragma once

#include <string>
#include <vector>

namespace lambdakit::bench {

struct session_options {
  std::vector<std::string>
      argv;             // the runtime to start (argv[0] is the program), maybe under valgrind
  int invocations = 0;  // served before the 500
  std::string payload = "{}";
  bool quiet = true;  // the runtime's stdout and stderr go to /dev/null
};

struct session_result {
  double spawn_to_first_next_us = 0;       // posix_spawn → the first complete GET /next head
  std::vector<double> warm_round_trip_us;  // /next answer sent → its /response received
  int exit_status = -1;  // the runtime's wait status, decoded (exit code, or 128+signal)
  std::string error;     // empty when the session went as planned
};

// Runs one session on a fresh loopback port. Never hangs: every wait is bounded (10 s).
session_result run_session(const session_options& options);

}  // namespace lambdakit::bench
