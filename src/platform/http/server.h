// An HTTP/1.1 server on an asio io_context (Boost.Beast inside, out of sight): the Lambda API
// endpoint and every environment's Runtime API endpoint are one of these.
//
// Single-threaded: the handler runs on the io_context's thread, so handlers need no locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "platform/http/message.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::http {

using body_sink = std::function<std::chrono::milliseconds(std::string_view bytes)>;

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                                  // 0: any free port
  std::size_t body_limit = std::size_t{80} * 1024 * 1024;  // larger bodies get 413 and a close
  std::string name = "server";                             // for log lines
  // A connection must send a whole request head within header_timeout of being accepted or of
  // its previous answer (that is its idle time too), and the body within body_timeout; then it
  // is closed. 0: no limit (the Runtime API: a frozen runtime may sit on its connection).
  std::chrono::milliseconds header_timeout{0};
  std::chrono::milliseconds body_timeout{0};
  // At most this many connections (0: no limit). A connection beyond it takes the place of the
  // oldest one that is waiting for a request; when every one is busy, it is answered 503.
  std::size_t max_connections = 0;
  // Asked of every accepted connection (its socket) before anything is read: false closes it
  // at once, unanswered. Empty: every connection is taken.
  std::function<bool(int fd)> admit;
  // Asked once a request's head is read (its body not yet): a sink returned receives the body as
  // it arrives instead of request::body, and returns how long to wait before reading more (a
  // reader that must not be outrun; 0: read on). Trailers still reach the handler's request,
  // which comes once the body is over. Empty (or an empty sink): the body is read whole.
  std::function<body_sink(const request& head)> stream_body;
};

class server {
 public:
  // Binds and starts accepting. Fails when the address cannot be bound.
  static result<std::unique_ptr<server>> start(boost::asio::io_context& io, server_options options,
                                               handler h);

  virtual ~server() = default;
  virtual std::uint16_t port() const = 0;
  virtual std::size_t connections() const = 0;
  // Stops accepting and closes every connection; pending responders become no-ops.
  virtual void close() = 0;
};

}  // namespace lambdakit::platform::http
