// stream: a streaming handler. Writes {"chunks":N} lines "chunk <i>\n", each sent at once.
// With {"fail_at":K} it throws after K chunks, which ends the stream with error trailers.
#include <lambdakit/lambdakit.h>

#include <stdexcept>
#include <string>

#include "payload.h"

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv, lambdakit::response_writer& out) {
    long long chunks = examples::int_field(inv.payload, "chunks").value_or(3);
    long long fail_at = examples::int_field(inv.payload, "fail_at").value_or(-1);
    out.set_content_type("text/plain");
    for (long long i = 0; i < chunks; ++i) {
      if (i == fail_at)
        throw std::runtime_error("stream failed after " + std::to_string(i) + " chunks");
      if (!out.write("chunk " + std::to_string(i) + "\n")) return;  // the caller went away
    }
  });
}
