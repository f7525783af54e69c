// libFuzzer target for the stdio frame decoder (wire/stdio/frame.h). The first byte picks a
// chunk size; the rest is the stream. Beyond "no crash, no sanitizer report", it checks that
//   - the frames and the failure are the same whether the bytes come at once or in chunks;
//   - a failure is for good: more bytes after it give the same failure;
//   - every frame decoded re-encodes to exactly the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "wire/stdio/frame.h"

namespace {
namespace stdio = lambdakit::wire::stdio;

struct outcome {
  std::vector<std::string> frames;  // re-encoded
  std::optional<std::error_code> failure;
  bool operator==(const outcome&) const = default;
};

std::string reencode(const stdio::frame& f) {
  std::string out;
  stdio::frame_writer w(out, f.type);
  for (const auto& r : f.fields) w.add(r.tag, std::string_view(f.body).substr(r.offset, r.size));
  if (!w.finish()) std::abort();  // a decoded frame is within the limit, so it re-encodes
  return out;
}

void drain(stdio::frame_reader& r, outcome& o) {
  while (!o.failure) {
    auto f = r.next();
    if (!f) {
      o.failure = f.error().code;
      // Failures are for good.
      auto again = r.next();
      if (again || again.error().code != *o.failure) std::abort();
      return;
    }
    if (!*f) return;
    o.frames.push_back(reencode(**f));
  }
}

outcome run(std::string_view stream, std::size_t chunk) {
  stdio::frame_reader r;
  outcome o;
  while (!stream.empty() && !o.failure) {
    std::string_view part = stream.substr(0, chunk);
    stream.remove_prefix(part.size());
    r.feed(part);
    drain(r, o);
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t chunk = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  outcome whole = run(stream, stream.size() + 1);
  outcome cut = run(stream, chunk);
  if (!(whole == cut)) std::abort();
  // The frames decoded are exactly the stream's prefix.
  std::string joined;
  for (const auto& f : whole.frames) joined += f;
  if (stream.substr(0, joined.size()) != joined) std::abort();
  return 0;
}
