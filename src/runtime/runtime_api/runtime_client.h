// The Runtime API client: one keep-alive connection, the four calls a runtime makes, and the
// streaming form of /response.
//
// Thread-compatible (one loop thread). Every call reconnects and retries with exponential
// backoff when the connection drops or cannot be made; a malformed answer is not retried.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/backoff.h"
#include "base/result.h"
#include "lambdakit/function_error.h"
#include "lambdakit/invocation.h"
#include "lambdakit/response.h"
#include "runtime/runtime_api/runtime_error.h"
#include "runtime/runtime_api/stream.h"
#include "runtime/transport.h"
#include "wire/http_parser.h"

namespace lambdakit::runtime {

// Tries per call, the first included, and the pauses between them.
using retry_policy = base::backoff_policy;

// The JSON body Lambda expects for a function error: {"errorMessage","errorType","stackTrace"}.
std::string error_body(const function_error& e);

// The Runtime API transport.
class runtime_client final : public transport {
 public:
  // `c` must outlive the client.
  explicit runtime_client(connector& c, retry_policy retry = {}, wire::http::limits limits = {});
  // As above, owning the connector.
  explicit runtime_client(std::unique_ptr<connector> c, retry_policy retry = {},
                          wire::http::limits limits = {});

  // Long-polls GET /runtime/invocation/next. An invocation whose deadline header is missing or
  // not a number is answered with a Runtime.MalformedInvocation error and the poll goes on.
  // Errors: api_unreachable, container_error (500), unexpected_status, protocol_error,
  // malformed_invocation (no or unusable request id).
  result<invocation> next() override;

  // POST /runtime/invocation/{id}/response. Errors: response_too_large (413), rejected (400/403
  // and other statuses), container_error (500), api_unreachable, protocol_error.
  result<void> post_response(std::string_view request_id, const response& r) override;

  // POST /runtime/invocation/{id}/error with Lambda-Runtime-Function-Error-Type. Errors as above.
  result<void> post_error(std::string_view request_id, const function_error& e) override;

  // POST /runtime/init/error. Errors as above.
  result<void> post_init_error(const function_error& e) override;

  // Response streaming: a chunked POST /response whose chunks are sent as they come. The head is
  // sent by stream_begin; stream_end sends the last chunk, with the error trailers when `error`
  // is given, and reads the answer. A failed write is errc::stream_broken and is not retried.
  result<void> stream_begin(std::string_view request_id, std::string_view content_type) override;
  result<void> stream_write(std::string_view chunk) override;
  result<void> stream_end(const function_error* error) override;

  // Fatal: unreachable, 500 from the platform, a protocol error, no request id (runtime_error.h).
  bool is_fatal(const failure& f) const override { return runtime::is_fatal(f.code); }

  const std::string& authority() const { return connector_.authority(); }

 private:
  result<const wire::http::message*> exchange(const std::string_view* parts, std::size_t count);
  result<void> connect_with_retry();
  result<void> read_response();
  result<void> check_post(const wire::http::message& m, std::string_view what);
  result<void> post(std::string_view target, std::string_view content_type, std::string_view body,
                    std::string_view error_type, std::string_view what);
  void drop_connection();

  std::unique_ptr<connector> owned_;  // null when the caller owns the connector
  connector& connector_;
  retry_policy retry_;
  std::unique_ptr<byte_stream> stream_;
  bool close_after_ = false;  // the last answer said Connection: close
  wire::http::parser parser_;
  std::string head_;             // request head, reused
  std::unique_ptr<char[]> buf_;  // read buffer
  std::size_t buf_begin_ = 0;    // unparsed bytes in buf_ [begin, end)
  std::size_t buf_end_ = 0;
};

}  // namespace lambdakit::runtime
