// The host side of a go1.x connection, as Go's net/rpc client runs it: calls appended to an
// output buffer with Seq counting from 0, replies matched to their calls by Seq. Pure: the
// service's runtime channel (platform/env/go1x_channel.h) does the sockets.
//
// A reply to a call never made, or one that breaks gob's framing or limits, fails next(): the
// connection cannot be trusted any further.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/go1x/messages.h"

namespace lambdakit::wire::go1x {

struct reply {
  std::uint64_t seq = 0;
  std::string method;
  std::string error;                      // the RPC-level error, empty when the call ran
  std::optional<invoke_response> invoke;  // Function.Invoke's answer, when it ran
};

class client_conversation {
 public:
  explicit client_conversation(gob::stream_limits in = {},
                               gob::type_id first_id = gob::ids::first_user)
      : in_(in), out_enc_(first_id) {}

  // The call appended to `out`; returns its Seq.
  std::uint64_t call_ping(std::string& out);
  std::uint64_t call_invoke(const invoke_request& r, std::string& out);
  // Any method with an empty PingRequest argument (tests, probes).
  std::uint64_t call(std::string_view method, std::string& out);

  void feed(std::string_view bytes) { in_.feed(bytes); }
  // The next complete reply, nullopt until one is. A failure is for good: every later next()
  // returns it again.
  result<std::optional<reply>> next();
  std::size_t buffered() const { return in_.buffered(); }
  std::size_t outstanding() const { return pending_.size(); }

 private:
  std::uint64_t begin(std::string_view method, std::string& out);
  result<std::optional<reply>> take();

  gob::stream_reader in_;
  gob::encoder out_enc_;
  std::uint64_t seq_ = 0;
  std::map<std::uint64_t, std::string> pending_;  // Seq -> ServiceMethod
  std::optional<rpc_response> header_;
  std::optional<failure> failed_;
};

}  // namespace lambdakit::wire::go1x
