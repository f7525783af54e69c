// OpenWhisk's ActionLoop protocol, as openwhisk-runtime-go's proxy speaks it (docs/stdio.md):
// one JSON activation per line on stdin, one JSON result per line on descriptor 3, an ack
// ({"ok":true}) on descriptor 3 first when __OW_WAIT_FOR_ACK is set. The proxy writes the
// end-of-activation markers itself; this side flushes stdout and stderr before each result so
// the handler's logs land before them. Chosen by __OW_PROXY_VERSION (transports.cc).
#pragma once

#include <memory>
#include <string>

#include "base/unique_fd.h"
#include "runtime/buffered_stream.h"

namespace lambdakit::runtime {

class actionloop_transport final : public buffered_stream_transport {
 public:
  // Reads activations from `in` (stdin), writes results to `out` (descriptor 3).
  actionloop_transport(base::unique_fd in, base::unique_fd out, bool ack);

  result<invocation> next() override;
  result<void> post_response(std::string_view request_id, const response& r) override;
  result<void> post_error(std::string_view request_id, const function_error& e) override;
  result<void> post_init_error(const function_error& e) override;
  bool is_fatal(const failure& f) const override;

  // The longest activation line read (OpenWhisk's default payload limit is 1 MB); a longer
  // one is answered with an error result, and the next line is served.
  static constexpr std::size_t max_line = std::size_t{8} * 1024 * 1024;

 private:
  result<std::string> read_line();
  result<void> send_line(std::string line);

  base::unique_fd in_, out_;
  bool ack_;
  bool acked_ = false;
  std::string buf_;
  std::size_t scanned_ = 0;  // bytes of buf_ known to hold no newline
};

}  // namespace lambdakit::runtime
