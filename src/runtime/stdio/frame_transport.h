// The stdio transport: invocations as frames (wire/stdio/frame.h) from the host that spawned
// this binary, over two descriptors of their own, so nothing the handler prints can touch
// them. Chosen by LAMBDAKIT_STDIO (transports.cc); the Node.js host (hosts/nodejs) is one
// such host. Protocol and limits: docs/stdio.md.
#pragma once

#include <memory>
#include <string>

#include "base/unique_fd.h"
#include "runtime/transport.h"
#include "wire/stdio/frame.h"

namespace lambdakit::runtime {

class frame_transport final : public transport {
 public:
  // Takes `in` (host → child frames) and `out` (child → host), marks them close-on-exec so the
  // handler's own children never inherit them, and sends hello.
  static result<std::unique_ptr<frame_transport>> open(base::unique_fd in, base::unique_fd out);

  result<invocation> next() override;
  result<void> post_response(std::string_view request_id, const response& r) override;
  result<void> post_error(std::string_view request_id, const function_error& e) override;
  result<void> post_init_error(const function_error& e) override;
  result<void> stream_begin(std::string_view request_id, std::string_view content_type) override;
  result<void> stream_write(std::string_view chunk) override;
  result<void> stream_end(const function_error* error) override;
  bool is_fatal(const failure& f) const override;

 private:
  frame_transport(base::unique_fd in, base::unique_fd out);
  result<void> send(wire::stdio::frame_writer& w);
  result<void> send_error_frame(wire::stdio::frame_type t, std::string_view request_id,
                                const function_error& e);
  result<wire::stdio::frame> read_frame();

  base::unique_fd in_, out_;
  wire::stdio::frame_reader reader_;
  std::string out_buf_;
  std::string request_id_;  // of the invoke being answered
  bool ready_sent_ = false;
};

}  // namespace lambdakit::runtime
