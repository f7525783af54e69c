// lambdakit::response_writer: the sink of a streaming handler (Runtime API response streaming).
#pragma once

#include <string_view>

namespace lambdakit {

// Each write() is sent to the caller at once as one chunk. Not thread-safe; valid only during
// the handler call that received it.
class response_writer {
 public:
  virtual ~response_writer() = default;

  // The response's content type; call before the first write(). Default
  // "application/octet-stream" (the Runtime API's default for streamed responses).
  virtual void set_content_type(std::string_view content_type) = 0;

  // Sends `chunk` now. Returns false once the connection is broken: the rest of the stream is
  // then dropped, and the handler may stop early.
  virtual bool write(std::string_view chunk) = 0;
};

}  // namespace lambdakit
