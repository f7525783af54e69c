// libFuzzer target for the go1.x codec: gob streams read by both ends of a net/rpc conversation.
// The first byte picks the end (bit 0: the function's server reading the host's calls, or the
// host's client reading the function's replies) and a chunk size (the other bits); the rest is
// the stream. Beyond "no crash, no sanitizer report", it checks that
//   - a conversation gives the same calls or replies, and the same failure, whether the bytes
//     come at once or in chunks (incremental reading does not change the answer);
//   - a failure is for good: more bytes after it yield the same failure and nothing else;
//   - every call a server takes can be answered, and what it writes is a stream its own kind of
//     client reads back (the function's replies always decode).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "wire/go1x/messages.h"
#include "wire/go1x/rpc_client.h"
#include "wire/go1x/rpc_server.h"

namespace {

namespace go1x = lambdakit::wire::go1x;

// What came out of a conversation, flattened so two runs can be compared.
struct outcome {
  std::vector<std::string> items;
  std::optional<std::error_code> failure;

  bool operator==(const outcome&) const = default;
};

[[noreturn]] void differ() {
  std::abort();
}

void add(outcome& o, const go1x::call& c) {
  o.items.push_back(std::to_string(static_cast<int>(c.k)) + '|' + std::to_string(c.seq) + '|' +
                    c.method + '|' + c.refusal + '|' + c.invoke.payload + '|' +
                    c.invoke.request_id + '|' + std::to_string(c.invoke.deadline_seconds) + '|' +
                    c.invoke.client_context);
}

void add(outcome& o, const go1x::reply& r) {
  std::string s = std::to_string(r.seq) + '|' + r.method + '|' + r.error;
  if (r.invoke) {
    s += '|' + r.invoke->payload;
    if (r.invoke->error) {
      s += '|' + r.invoke->error->message + '|' + r.invoke->error->type + '|' +
           std::to_string(r.invoke->error->stack_trace.size());
    }
  }
  o.items.push_back(std::move(s));
}

// The function's replies to the calls it took, read back by a client that made those calls.
void answer_and_read_back(go1x::server_conversation& server, const std::vector<go1x::call>& calls) {
  go1x::client_conversation client;
  std::string ignored;
  std::uint64_t max_seq = 0;
  for (const auto& c : calls) max_seq = std::max(max_seq, c.seq);
  if (max_seq > 4096) return;  // the client counts Seq from 0: only small ones can be matched
  for (std::uint64_t i = 0; i <= max_seq; ++i) client.call("Function.Invoke", ignored);
  std::string out;
  std::vector<bool> answered(max_seq + 1, false);
  for (const auto& c : calls) {
    if (answered[c.seq]) continue;  // a client takes one reply per call
    answered[c.seq] = true;
    go1x::invoke_response r;
    r.payload = c.invoke.payload;
    if (c.k == go1x::call::kind::refused) {
      server.reply_error(c, c.refusal, out);
    } else if (c.seq % 2 == 0) {
      server.reply_invoke(c, r, out);
    } else {
      r.error.emplace();
      r.error->message = c.method;
      r.error->type = c.refusal;
      r.error->stack_trace.push_back({c.invoke.request_id, 1, c.invoke.trace_id});
      server.reply_invoke(c, r, out);
    }
  }
  client.feed(out);
  for (;;) {
    auto r = client.next();
    if (!r) differ();  // the server wrote what its client cannot read
    if (!*r) break;
  }
  if (client.buffered() != 0) differ();
}

template <class Conversation>
outcome run(Conversation& conv, std::string_view data, std::size_t step,
            std::vector<go1x::call>* calls) {
  outcome o;
  std::size_t used = 0;
  while (!o.failure) {
    bool last = used >= data.size();
    if (!last) {
      std::size_t n = step == 0 ? data.size() - used : std::min(step, data.size() - used);
      conv.feed(data.substr(used, n));
      used += n;
    }
    for (;;) {
      auto r = conv.next();
      if (!r) {
        o.failure = r.error().code;
        break;
      }
      if (!*r) break;
      add(o, **r);
      if constexpr (std::is_same_v<Conversation, go1x::server_conversation>) {
        if (calls != nullptr) calls->push_back(**r);
      }
    }
    if (last) break;
  }
  if (o.failure) {  // failed for good
    conv.feed(data);
    auto again = conv.next();
    if (again || again.error().code != *o.failure) differ();
  }
  return o;
}

go1x::client_conversation host_with_calls() {
  go1x::client_conversation c;
  std::string ignored;
  c.call_ping(ignored);  // seq 0
  go1x::invoke_request r;
  for (int i = 0; i < 7; ++i) c.call_invoke(r, ignored);  // seq 1..7
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  bool server_side = (bytes[0] & 1) == 0;
  std::size_t step = bytes[0] >> 1;  // 0: all at once
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);

  if (server_side) {
    go1x::server_conversation whole;
    std::vector<go1x::call> calls;
    outcome a = run(whole, data, 0, &calls);
    go1x::server_conversation chunked;
    outcome b = run(chunked, data, step == 0 ? 1 : step, nullptr);
    if (!(a == b)) differ();
    if (!a.failure) answer_and_read_back(whole, calls);
  } else {
    auto whole = host_with_calls();
    outcome a = run(whole, data, 0, nullptr);
    auto chunked = host_with_calls();
    outcome b = run(chunked, data, step == 0 ? 1 : step, nullptr);
    if (!(a == b)) differ();
  }
  return 0;
}
