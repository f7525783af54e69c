// libFuzzer target for the HTTP/1.1 parser. Beyond "no crash, no sanitizer report", it checks
// that the parser gives the same answer whether the bytes come at once or one at a time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wire/http_parser.h"

namespace {

using lambdakit::wire::http::parser;

struct outcome {
  bool ok = false;
  bool done = false;
  std::size_t used = 0;
  int status = 0;
  std::string body;
  std::error_code code;
};

outcome run(parser::kind kind, std::string_view data, std::size_t step) {
  parser p(kind, {.max_head = 4096, .max_fields = 32, .max_body = 1 << 16});
  outcome o;
  while (o.used < data.size() && !p.done()) {
    std::size_t n = step == 0 ? data.size() - o.used : std::min(step, data.size() - o.used);
    auto r = p.feed(data.substr(o.used, n));
    if (!r) {
      o.code = r.error().code;
      o.used = 0;  // how far it got before failing depends on the split; the error does not
      return o;
    }
    if (*r > n) std::abort();  // consumed more than it was given
    o.used += *r;
    if (*r < n && !p.done()) std::abort();  // stopped early without finishing a message
  }
  if (!p.done()) {
    auto e = p.feed_eof();
    if (!e) {
      o.code = e.error().code;
      o.used = 0;
      return o;
    }
  }
  o.ok = true;
  o.done = p.done();
  o.status = p.get().status();
  o.body = p.get().body();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (auto kind : {parser::kind::response, parser::kind::request}) {
    outcome whole = run(kind, bytes, 0);
    outcome bytewise = run(kind, bytes, 1);
    if (whole.ok != bytewise.ok || whole.code != bytewise.code || whole.used != bytewise.used ||
        whole.status != bytewise.status || whole.body != bytewise.body) {
      std::abort();  // the answer depends on how the bytes were split
    }
  }
  return 0;
}
