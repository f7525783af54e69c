// Errors of the HTTP/1.1 codec. Each value is one way a peer's bytes can be wrong.
#pragma once

#include <system_error>

namespace lambdakit::wire::http {

enum class error {
  bad_start_line = 1,           // the request or status line is not of the form RFC 9112 gives
  bad_version,                  // not HTTP/1.0 or HTTP/1.1
  bad_status,                   // the status code is not three digits
  bad_method,                   // the request method is not a token
  bad_target,                   // the request target is empty or holds a control character
  bad_line_ending,              // a line ends in a bare LF or holds a bare CR
  bad_header,                   // a header line has no colon, a bad name or a control character
  obsolete_line_folding,        // a header value continued on the next line (refused by RFC 9112)
  header_too_large,             // the start line and headers exceed the configured size
  too_many_headers,             // more header fields than the configured count
  bad_content_length,           // Content-Length is not a decimal number, or two disagree
  conflicting_framing,          // both Content-Length and Transfer-Encoding are present
  unsupported_transfer_coding,  // a Transfer-Encoding other than chunked
  body_too_large,               // the declared or received body exceeds the configured size
  bad_chunk_size,               // a chunk-size line is not hexadecimal or overflows
  bad_chunk_terminator,         // chunk data is not followed by CRLF
  partial_message,              // the peer closed the connection before the message was complete
};

const std::error_category& category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace lambdakit::wire::http

template <>
struct std::is_error_code_enum<lambdakit::wire::http::error> : std::true_type {};
