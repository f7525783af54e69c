// lambdakit::function_error: a failed invoke as Lambda reports it to the caller.
#pragma once

#include <string>
#include <vector>

namespace lambdakit {

// Posted to the Runtime API as {"errorMessage","errorType","stackTrace"}; the caller receives
// that JSON with X-Amz-Function-Error: Unhandled. `type` also goes in the
// Lambda-Runtime-Function-Error-Type header.
struct function_error {
  std::string type;     // e.g. "InvalidInput", or a C++ exception's type name
  std::string message;  // what went wrong, for the caller
  std::vector<std::string> stack_trace;
};

}  // namespace lambdakit
