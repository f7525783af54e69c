// lambdakit::run: the transport the environment names, served by the one loop.
#include "lambdakit/run.h"

#include <string_view>
#include <type_traits>
#include <utility>

#include "runtime/embedding.h"
#include "runtime/log.h"
#include "runtime/loop.h"
#include "runtime/transports.h"

namespace lambdakit {
namespace {

template <class Handler>
int run_any(const Handler& h, const run_options& options) {
  if (runtime::capture_fn capture = runtime::current_capture()) {  // an embedding host calls h
    runtime::embedded_function f;
    if constexpr (std::is_same_v<Handler, streaming_handler>) {
      f.streaming = h;
    } else {
      f.plain = h;
    }
    f.options = options;
    capture(std::move(f));
    return 0;
  }
  auto t = runtime::transport_from_environment();
  if (!t) {
    std::string_view why = t.error().detail;  // one log line per line: each gets the prefix
    for (std::size_t nl; (nl = why.find('\n')) != std::string_view::npos; why.remove_prefix(nl + 1))
      runtime::log_line(why.substr(0, nl));
    runtime::log_line(why);
    return exit_code::bad_environment;
  }
  return runtime::serve(**t, h, options);
}

}  // namespace

int run(const handler& h, const run_options& options) {
  return run_any(h, options);
}
int run(const streaming_handler& h, const run_options& options) {
  return run_any(h, options);
}

}  // namespace lambdakit
