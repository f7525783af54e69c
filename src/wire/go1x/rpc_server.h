// The function side of a go1.x connection, as Go's net/rpc server runs it: bytes from the host
// in, calls out, replies appended to an output buffer. Pure: the transport
// (runtime/go1x/rpc_transport.h) does the sockets.
//
// Each call is a Request header then its argument. `Function.Ping` and `Function.Invoke` are
// served; anything else is answered as Go answers it ("rpc: can't find method Function.Nope")
// after its argument has been read and discarded, and the connection goes on. An argument Go
// could not decode into the method's type is answered with the decoder's error, likewise. A
// stream that breaks gob's framing or limits cannot be resynchronised: next() fails and the
// connection must be closed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/go1x/messages.h"

namespace lambdakit::wire::go1x {

// Lambda's synchronous payload limit is 6 MB: a call larger than this is not Lambda's.
inline constexpr std::size_t max_call_bytes = std::size_t{7} * 1024 * 1024;

inline gob::stream_limits call_limits() {
  gob::stream_limits l;
  l.max_message = max_call_bytes;
  return l;
}

struct call {
  enum class kind { ping, invoke, refused };
  kind k = kind::ping;
  std::uint64_t seq = 0;
  std::string method;     // ServiceMethod, as sent
  std::string refusal;    // refused: the RPC-level error text to reply with
  invoke_request invoke;  // invoke: the event
};

class server_conversation {
 public:
  explicit server_conversation(gob::stream_limits in = call_limits(),
                               gob::type_id first_id = gob::ids::first_user)
      : in_(in), out_enc_(first_id) {}

  void feed(std::string_view bytes) { in_.feed(bytes); }
  // The next complete call, nullopt until one is. A failure: the connection must be closed, and
  // every later next() returns the same failure.
  result<std::optional<call>> next();
  std::size_t buffered() const { return in_.buffered(); }

  // The reply to `c` appended to `out`: ping and invoke answer those calls; error answers any
  // call with an RPC-level error (refused calls with their refusal).
  void reply_ping(const call& c, std::string& out);
  void reply_invoke(const call& c, const invoke_response& r, std::string& out);
  void reply_error(const call& c, std::string_view text, std::string& out);

 private:
  gob::stream_reader in_;
  gob::encoder out_enc_;
  result<std::optional<call>> take();

  std::optional<rpc_request> header_;  // read, waiting for its argument
  std::optional<failure> failed_;
};

}  // namespace lambdakit::wire::go1x
