// The handler boundary: whatever a handler throws becomes a function_error, never a dead process.
#pragma once

#include <functional>

#include "lambdakit/function_error.h"
#include "lambdakit/invocation.h"
#include "lambdakit/outcome.h"

namespace lambdakit::runtime {

// The exception in flight, as a Lambda function error: type = the exception's demangled type
// name ("std::invalid_argument", "app::bad_input"), message = what(). Call only inside a catch.
function_error current_exception_error() noexcept;

// Calls h(inv); an exception comes back as its function_error.
outcome call_handler(const std::function<outcome(const invocation&)>& h,
                     const invocation& inv) noexcept;

}  // namespace lambdakit::runtime
