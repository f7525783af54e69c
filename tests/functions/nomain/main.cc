// nomain: a function written only as a Python module: no main(), the entry comes from
// LAMBDAKIT_PYTHON_MODULE (lambdakit/python.h). Answers {"module":"nomain","payload":<event>}.
#include <lambdakit/lambdakit.h>
#include <lambdakit/python.h>

namespace {
lambdakit::outcome handle(const lambdakit::invocation& inv) {
  return lambdakit::response::json(R"({"module":"nomain","payload":)" + inv.payload + "}");
}
}  // namespace

LAMBDAKIT_PYTHON_MODULE(nomain, handle)
