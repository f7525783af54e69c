// lambdakit's own bootstraps for managed runtimes, embedded at build time from bootstraps/.
#pragma once

namespace lambdakit::platform::env {
extern const char* const python_bootstrap_source;
extern const char* const node_bootstrap_source;
}  // namespace lambdakit::platform::env
