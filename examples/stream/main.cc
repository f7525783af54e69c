// stream: a streaming handler. Writes {"chunks":N} lines "chunk <i>\n", each sent at once.
// With {"fail_at":K} it throws after K chunks, which ends the stream with error trailers;
// {"delay_ms":D} sleeps D ms before each chunk after the first; {"size":B} makes each chunk B
// bytes (padded with '.'), to stream megabytes.
#include <lambdakit/lambdakit.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "payload.h"

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv, lambdakit::response_writer& out) {
    long long chunks = examples::int_field(inv.payload, "chunks").value_or(3);
    long long fail_at = examples::int_field(inv.payload, "fail_at").value_or(-1);
    long long delay_ms = examples::int_field(inv.payload, "delay_ms").value_or(0);
    long long size = examples::int_field(inv.payload, "size").value_or(0);
    out.set_content_type("text/plain");
    for (long long i = 0; i < chunks; ++i) {
      if (i == fail_at)
        throw std::runtime_error("stream failed after " + std::to_string(i) + " chunks");
      if (i > 0 && delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      std::string chunk = "chunk " + std::to_string(i) + "\n";
      if (size > static_cast<long long>(chunk.size())) {
        chunk.insert(chunk.size() - 1, static_cast<std::size_t>(size) - chunk.size(), '.');
      }
      if (!out.write(chunk)) return;  // the caller went away
    }
  });
}
