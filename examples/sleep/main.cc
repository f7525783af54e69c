// sleep: sleeps for {"ms":N} milliseconds, then answers {"slept_ms":N}. Used to test timeouts.
#include <lambdakit/lambdakit.h>

#include <chrono>
#include <string>
#include <thread>

#include "payload.h"

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) -> lambdakit::outcome {
    auto ms = examples::int_field(inv.payload, "ms");
    if (!ms || *ms < 0) {
      return lambdakit::function_error{
          "InvalidInput", R"(expected {"ms": <non-negative integer>})", {}};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
    return lambdakit::response::json(R"({"slept_ms":)" + std::to_string(*ms) + "}");
  });
}
