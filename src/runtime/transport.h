// The transport seam: what the runtime loop needs from whatever delivered the event. The loop
// and the handler boundary (loop.h) are written once over it; each way Lambda can start a
// function is one implementation: the Runtime API client (runtime_api/runtime_client.h) today,
// go1.x's net/rpc server and the stdio frames next.
//
// A transport is used by one thread, the loop's. Calls come in this order: at most one
// post_init_error before the first next(); then, per invocation, next() and exactly one answer
// (post_response, post_error, or stream_begin, stream_write..., stream_end).
#pragma once

#include <string_view>

#include "base/result.h"
#include "lambdakit/function_error.h"
#include "lambdakit/invocation.h"
#include "lambdakit/response.h"

namespace lambdakit::runtime {

class transport {
 public:
  virtual ~transport() = default;

  // Blocks until the next invocation. A failure means there will be no more: the loop logs it
  // and run() returns exit_code::api_failed.
  virtual result<invocation> next() = 0;

  // The answers to the invocation `request_id` that next() returned.
  virtual result<void> post_response(std::string_view request_id, const response& r) = 0;
  virtual result<void> post_error(std::string_view request_id, const function_error& e) = 0;

  // Init (run_options::init) failed; called before the first next(), if at all.
  virtual result<void> post_init_error(const function_error& e) = 0;

  // A streamed answer: begin, any number of writes, then end (with `error` when the handler
  // threw after its first write). A transport that cannot stream buffers the chunks and sends
  // them as one response at stream_end.
  virtual result<void> stream_begin(std::string_view request_id, std::string_view content_type) = 0;
  virtual result<void> stream_write(std::string_view chunk) = 0;
  virtual result<void> stream_end(const function_error* error) = 0;

  // The retry-or-give-up decision for a failed post: true when the function must stop (the
  // platform is gone or wants it gone), false when the loop logs it and serves the next event.
  virtual bool is_fatal(const failure& f) const = 0;
};

}  // namespace lambdakit::runtime
