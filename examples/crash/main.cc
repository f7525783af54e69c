// crash: ends the process with exit status {"code":N} (default 1) in the middle of an invoke,
// as a function that hits a fatal error would. Lambda answers Runtime.ExitError and starts a new
// environment for the next invoke.
#include <lambdakit/lambdakit.h>
#include <unistd.h>

#include "payload.h"

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) -> lambdakit::response {
    auto code = examples::int_field(inv.payload, "code").value_or(1);
    ::_exit(static_cast<int>(code & 0xff));
  });
}
