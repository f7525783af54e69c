// echo: returns the event byte for byte, which makes it the payload-fidelity probe.
#include <lambdakit/lambdakit.h>

int main() {
  return lambdakit::run(
      [](const lambdakit::invocation& inv) { return lambdakit::response::json(inv.payload); });
}
