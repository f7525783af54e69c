// The runtime loop: init, then /next → handler → /response or /error, until told to stop.
// Separated from run() so tests drive it over an in-memory connector.
#pragma once

#include "lambdakit/run.h"
#include "runtime/runtime_client.h"

namespace lambdakit::runtime {

// Runs options.init (posting /init/error if it throws), then serves invokes with `h`.
// Returns an exit code of lambdakit::exit_code; every reason to return is logged first.
int serve(runtime_client& client, const handler& h, const run_options& options);
int serve(runtime_client& client, const streaming_handler& h, const run_options& options);

}  // namespace lambdakit::runtime
