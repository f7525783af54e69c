// layer: a function whose code lives partly in a layer. It links against libgreeting.so, which
// is not in its zip: a layer puts it at /opt/lib, on Lambda's LD_LIBRARY_PATH. Without the layer
// the loader stops it before main ("libgreeting.so: cannot open shared object file").
#include <lambdakit/lambdakit.h>

#include "greeting.h"

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) {
    return lambdakit::response::json(greeting::describe(inv.payload));
  });
}
