// An HTTP/1.1 server on an asio io_context (Boost.Beast inside, out of sight): the Lambda API
// endpoint and every environment's Runtime API endpoint are one of these.
//
// Single-threaded: the handler runs on the io_context's thread, so handlers need no locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "platform/http/message.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::http {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                                  // 0: any free port
  std::size_t body_limit = std::size_t{80} * 1024 * 1024;  // larger bodies get 413 and a close
  std::string name = "server";                             // for log lines
};

class server {
 public:
  // Binds and starts accepting. Fails when the address cannot be bound.
  static result<std::unique_ptr<server>> start(boost::asio::io_context& io, server_options options,
                                               handler h);

  virtual ~server() = default;
  virtual std::uint16_t port() const = 0;
  // Stops accepting and closes every connection; pending responders become no-ops.
  virtual void close() = 0;
};

}  // namespace lambdakit::platform::http
