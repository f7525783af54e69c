// The answers every Lambda API call sends: JSON with its status, or 204, each carrying the
// call's x-amzn-RequestId.
#pragma once

#include <string>

#include "platform/http/message.h"

namespace lambdakit::platform::api {

http::response json_response(int status, std::string body, const std::string& request_id);
http::response no_content(const std::string& request_id);  // 204

}  // namespace lambdakit::platform::api
