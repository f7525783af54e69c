// alloc: allocates {"mb":N} megabytes and touches every page, then answers {"allocated_mb":N}.
// Used to check memory limits and the Max Memory Used figure of REPORT lines.
#include <lambdakit/lambdakit.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "payload.h"

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) -> lambdakit::outcome {
    auto mb = examples::int_field(inv.payload, "mb");
    if (!mb || *mb < 0 || *mb > 10240) {
      return lambdakit::function_error{"InvalidInput", R"(expected {"mb": <0..10240>})", {}};
    }
    std::size_t bytes = static_cast<std::size_t>(*mb) << 20;
    std::unique_ptr<char[]> block(new char[bytes]);
    std::memset(block.get(), 0x5a, bytes);  // touch every page so it counts as resident
    volatile char sink = bytes ? block[bytes - 1] : 0;
    (void)sink;
    return lambdakit::response::json(R"({"allocated_mb":)" + std::to_string(*mb) + "}");
  });
}
