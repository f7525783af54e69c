// The runtime loop: init, then next → handler → response or error, until the transport says
// stop. Written once over the transport seam; run() picks the transport, tests pass one over an
// in-memory connector.
#pragma once

#include "lambdakit/run.h"
#include "runtime/transport.h"

namespace lambdakit::runtime {

// Runs options.init (posting the init error if it throws), then serves invokes with `h`.
// Returns an exit code of lambdakit::exit_code; every reason to return is logged first.
int serve(transport& t, const handler& h, const run_options& options);
int serve(transport& t, const streaming_handler& h, const run_options& options);

}  // namespace lambdakit::runtime
