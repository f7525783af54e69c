#include "wire/http_error.h"

#include <string>

#include "base/error_category.h"

namespace lambdakit::wire::http {
namespace {

const char* describe(error e) noexcept {
  switch (e) {
    case error::bad_start_line:
      return "malformed HTTP start line";
    case error::bad_version:
      return "unsupported HTTP version";
    case error::bad_status:
      return "malformed HTTP status code";
    case error::bad_method:
      return "malformed HTTP method";
    case error::bad_target:
      return "malformed HTTP request target";
    case error::bad_line_ending:
      return "malformed HTTP line ending";
    case error::bad_header:
      return "malformed HTTP header";
    case error::obsolete_line_folding:
      return "obsolete HTTP header line folding";
    case error::header_too_large:
      return "HTTP header section too large";
    case error::too_many_headers:
      return "too many HTTP header fields";
    case error::bad_content_length:
      return "malformed HTTP Content-Length";
    case error::conflicting_framing:
      return "conflicting HTTP message framing";
    case error::unsupported_transfer_coding:
      return "unsupported HTTP transfer coding";
    case error::body_too_large:
      return "HTTP body too large";
    case error::bad_chunk_size:
      return "malformed HTTP chunk size";
    case error::bad_chunk_terminator:
      return "malformed HTTP chunk terminator";
    case error::partial_message:
      return "HTTP message cut short";
  }
  return "unknown HTTP codec error";
}

}  // namespace

const std::error_category& category() noexcept {
  static const base::enum_category<error> instance("lambdakit.http", describe);
  return instance;
}

}  // namespace lambdakit::wire::http
