// Lambda's Python context object to a lambdakit::invocation: the context awslambdaric (and
// Lambda's own Python runtime) passes as the handler's second argument, or any object with the
// same attributes (a test's fake).
#pragma once

#include "lambdakit/invocation.h"
#include "python/py.h"

namespace lambdakit::python {

// Fills everything but the payload. Needed: aws_request_id, invoked_function_arn (str) and
// get_remaining_time_in_millis() (int); optional: client_context, identity, tenant_id. The
// trace id comes from _X_AMZN_TRACE_ID, which the runtime sets per invoke. Returns false with a
// Python exception (TypeError naming the attribute and what it must be) set. Needs the GIL.
bool read_context(PyObject* context, invocation& inv);

}  // namespace lambdakit::python
