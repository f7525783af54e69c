// fail: throws a typed exception. The caller sees
//   {"errorMessage":"card 4242 was
//   declined","errorType":"examples::payment_declined","stackTrace":[]}
// with X-Amz-Function-Error: Unhandled, and the process lives on for the next invoke.
#include <lambdakit/lambdakit.h>

#include <stdexcept>

namespace examples {
struct payment_declined : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace examples

int main() {
  return lambdakit::run([](const lambdakit::invocation&) -> lambdakit::response {
    throw examples::payment_declined("card 4242 was declined");
  });
}
