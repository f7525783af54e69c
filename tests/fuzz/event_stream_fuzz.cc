// libFuzzer target for the event-stream decoder (wire/event_stream.h). The first byte picks a
// chunk size; the rest is the stream. Beyond "no crash, no sanitizer report", it checks that
//   - the messages and the failure are the same whether the bytes come at once or in chunks;
//   - a failure is for good: more bytes after it give the same failure;
//   - every message decoded re-encodes to exactly the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/event_stream.h"

namespace {
namespace es = lambdakit::wire::event_stream;

struct outcome {
  std::vector<std::string> messages;  // re-encoded
  std::optional<std::string> failure;
  bool operator==(const outcome&) const = default;
};

void drain(es::decoder& d, outcome& o) {
  while (!o.failure) {
    auto m = d.next();
    if (!m) {
      o.failure = m.error().detail;
      auto again = d.next();
      if (again || again.error().detail != *o.failure) std::abort();
      return;
    }
    if (!*m) return;
    std::string bytes;
    if (!es::append(bytes, **m)) std::abort();  // what decodes, encodes
    o.messages.push_back(std::move(bytes));
  }
}

outcome run(std::string_view stream, std::size_t chunk) {
  es::decoder d;
  outcome o;
  while (!stream.empty() && !o.failure) {
    std::string_view part = stream.substr(0, chunk);
    stream.remove_prefix(part.size());
    d.feed(part);
    drain(d, o);
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
  std::string joined;
  for (const auto& m : whole.messages) joined += m;
  if (stream.substr(0, joined.size()) != joined) std::abort();
  return 0;
}
