// A lambdakit::function_error as a Python exception: one exception class per error type, named
// exactly as the type ("std::invalid_argument", "InvalidInput"), so that the Python runtime
// reports errorType and errorMessage as the native paths do.
#pragma once

#include "lambdakit/function_error.h"
#include "python/py.h"

namespace lambdakit::python {

// Sets the Python exception for `e`: an instance of the class named e.type (a subclass of
// Exception, made on first use and kept) whose str() is e.message and whose `stack_trace`
// attribute is e.stack_trace. Needs the GIL.
void set_function_error(const function_error& e);

}  // namespace lambdakit::python
