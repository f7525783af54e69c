// The go1.x transport: the function is a Go net/rpc server (gob encoding) on
// 127.0.0.1:$_LAMBDA_SERVER_PORT, answering Function.Ping and Function.Invoke as an
// aws-lambda-go binary does (../shared/specs/go1x-rpc.md, docs/go1x.md).
//
// One thread: next() polls the listener and every connection, answers Pings and refused calls
// itself, and returns at the first Invoke; the post_* call after it replies on that call's
// connection. A connection whose bytes break gob's framing or limits is closed with a log line
// and the others go on being served. Handler errors travel in InvokeResponse.Error, the RPC call
// itself succeeding, as aws-lambda-go sends them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/buffered_stream.h"
#include "wire/go1x/rpc_server.h"

namespace lambdakit::runtime {

class rpc_transport final : public buffered_stream_transport {
 public:
  // Listens on 127.0.0.1:port (0: a port of the OS's choosing, see port()).
  static result<std::unique_ptr<rpc_transport>> listen(std::uint16_t port);
  ~rpc_transport() override;

  result<invocation> next() override;
  result<void> post_response(std::string_view request_id, const response& r) override;
  result<void> post_error(std::string_view request_id, const function_error& e) override;
  // go1.x has no init-error call: the error is logged by the loop and the process exits, which
  // the host reports as Runtime.ExitError (as a Go function whose init panics).
  result<void> post_init_error(const function_error& e) override;
  // go1.x cannot stream: buffered_stream_transport sends the chunks as one InvokeResponse.
  // Only a broken listener stops the function; a lost connection loses one answer.
  bool is_fatal(const failure& f) const override;

  std::uint16_t port() const { return port_; }

 private:
  struct connection;
  rpc_transport(base::unique_fd listener, std::uint16_t port);
  result<void> accept_one();
  // Reads what `c` has and serves its Pings and refused calls; an Invoke is kept in `c`.
  bool read_from(connection& c);
  bool serve_buffered(connection& c);
  result<void> reply(const wire::go1x::invoke_response& r);
  void close(connection& c, const std::string& why);

  base::unique_fd listener_;
  std::uint16_t port_;
  std::vector<std::unique_ptr<connection>> conns_;
  connection* in_flight_ = nullptr;  // the connection whose Invoke the handler is answering
  wire::go1x::call call_;            // that Invoke
  std::string out_;                  // reply bytes, reused
};

}  // namespace lambdakit::runtime
