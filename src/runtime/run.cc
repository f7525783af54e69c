// lambdakit::run: choose the transport from the environment and serve.
#include "lambdakit/run.h"

#include <cstdlib>
#include <string>

#include "runtime/endpoint.h"
#include "runtime/log.h"
#include "runtime/loop.h"
#include "runtime/socket_stream.h"

namespace lambdakit {
namespace {

template <class Handler>
int run_any(const Handler& h, const run_options& options) {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr) {
    runtime::log_line(
        "AWS_LAMBDA_RUNTIME_API (the Runtime API's host:port) is not set, so there is nothing to "
        "serve. This program is a Lambda function: run it on Lambda (runtime provided.al2023, "
        "file name bootstrap), under `lambdakit serve`, or under the Runtime Interface Emulator "
        "(aws-lambda-rie ./bootstrap).");
    return exit_code::bad_environment;
  }
  auto ep = runtime::parse_endpoint(api);
  if (!ep) {
    runtime::log_line(ep.error().detail);
    return exit_code::bad_environment;
  }
  auto connector = runtime::make_tcp_connector(std::move(ep).value());
  runtime::runtime_client client(*connector);
  return runtime::serve(client, h, options);
}

}  // namespace

int run(const handler& h, const run_options& options) {
  return run_any(h, options);
}
int run(const streaming_handler& h, const run_options& options) {
  return run_any(h, options);
}

}  // namespace lambdakit
