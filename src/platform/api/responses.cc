#include "platform/api/responses.h"

#include <utility>

namespace lambdakit::platform::api {

http::response json_response(int status, std::string body, const std::string& request_id) {
  http::response r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.set("x-amzn-RequestId", request_id);
  r.body = std::move(body);
  return r;
}

http::response no_content(const std::string& request_id) {
  http::response r;
  r.status = 204;
  r.set("x-amzn-RequestId", request_id);
  return r;
}

}  // namespace lambdakit::platform::api
