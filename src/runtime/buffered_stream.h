// For transports that cannot stream (go1.x's net/rpc, OpenWhisk's ActionLoop): the seam's
// stream_* calls kept as one buffered answer and sent through post_response / post_error at
// stream_end, so each such transport writes only its two answers.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "runtime/transport.h"

namespace lambdakit::runtime {

class buffered_stream_transport : public transport {
 public:
  result<void> stream_begin(std::string_view request_id, std::string_view content_type) final {
    request_id_.assign(request_id);
    content_type_.assign(content_type);
    body_.clear();
    return {};
  }
  result<void> stream_write(std::string_view chunk) final {
    body_.append(chunk);
    return {};
  }
  result<void> stream_end(const function_error* error) final {
    std::string body = std::exchange(body_, {});
    if (error != nullptr) return post_error(request_id_, *error);
    return post_response(request_id_, response::bytes(std::move(body), content_type_));
  }

 private:
  std::string request_id_, content_type_, body_;
};

}  // namespace lambdakit::runtime
