// lambdakit::run: the whole main of a Lambda function.
//
//   #include <lambdakit/lambdakit.h>
//   lambdakit::response hello(const lambdakit::invocation&) {
//     return lambdakit::response::json(R"({"message":"Hello World"})");
//   }
//   int main() { return lambdakit::run(hello); }
#pragma once

#include <functional>

#include "lambdakit/invocation.h"
#include "lambdakit/outcome.h"
#include "lambdakit/response_writer.h"

namespace lambdakit {

// A handler returns a response or a function_error; it may also throw: an exception becomes a
// function error whose type is the exception's type name and whose message is its what().
// Nothing a handler throws ends the process.
using handler = std::function<outcome(const invocation&)>;

// A streaming handler writes its response in chunks as it produces them. Throwing after the first
// write ends the stream with an error trailer; throwing before it is an ordinary function error.
using streaming_handler = std::function<void(const invocation&, response_writer&)>;

struct run_options {
  // Runs once before the first invoke (Lambda's Init phase). If it throws, the error is posted to
  // /runtime/init/error, the first invoke returns it, and run() returns exit_code::init_failed.
  std::function<void()> init;
};

// Process exit codes of run(); it returns only when the function must stop.
namespace exit_code {
inline constexpr int api_failed = 1;  // the Runtime API is unreachable, gone, or said "exit"
// Not started by Lambda: no start-up variable (AWS_LAMBDA_RUNTIME_API, ...) is set, or one is
// unusable; the message names each way the binary can be started.
inline constexpr int bad_environment = 2;
inline constexpr int init_failed = 3;  // run_options::init threw (after posting /init/error)
}  // namespace exit_code

// Serves invokes until the execution environment ends: learns from the environment how the
// binary was started (the Runtime API at AWS_LAMBDA_RUNTIME_API: provided.al2023, provided.al2),
// calls `h` for each event and sends back its outcome. Sets _X_AMZN_TRACE_ID
// for each invoke. Returns a non-zero exit code (above), having said why on stderr.
int run(const handler& h, const run_options& options = {});
int run(const streaming_handler& h, const run_options& options = {});

}  // namespace lambdakit
