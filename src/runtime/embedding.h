// Embedding: a host that calls the handler itself (the CPython extension module of
// src/python/) instead of a transport delivering events to the loop. The host installs a
// capture, then calls the function's unchanged main(); lambdakit::run() hands the capture its
// handler and options and returns 0 at once instead of serving. Nothing here knows Python: the
// runtime library stays free of it, and a binary that never installs a capture pays one branch.
#pragma once

#include "lambdakit/run.h"

namespace lambdakit::runtime {

// What main() passed to run(): exactly one of the two handlers is set.
struct embedded_function {
  handler plain;
  streaming_handler streaming;
  run_options options;
};

using capture_fn = void (*)(embedded_function&& f);

// Installs (or, with nullptr, removes) the capture that run() hands its arguments to.
// Returns the previous one. Not thread-safe: call before main() runs, on the thread that runs it.
capture_fn set_capture(capture_fn c) noexcept;
capture_fn current_capture() noexcept;

}  // namespace lambdakit::runtime
