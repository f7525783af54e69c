// A go1.x host for benchmarks: starts one function with _LAMBDA_SERVER_PORT, dials it until it
// listens, calls Function.Ping (start-up ends at its answer), serves it N Function.Invoke calls
// of a fixed event on the same connection, then stops it with SIGTERM (a go1.x function never
// exits by itself; valgrind still writes its profile on SIGTERM).
#pragma once

#include "fake_runtime_api.h"

namespace lambdakit::bench {

// As run_session, for the go1.x protocol: spawn_to_first_next_us is posix_spawn → the Ping
// answered, warm_round_trip_us each Invoke written → its reply read.
session_result run_go1x_session(const session_options& options);

}  // namespace lambdakit::bench
