// The answers the Runtime, Extensions and Telemetry APIs share: an error as
// {"errorMessage","errorType"} and 202 {"status":"OK"}, as AWS's runtime interface sends them.
#pragma once

#include <string_view>

#include "platform/http/message.h"
#include "wire/json.h"

namespace lambdakit::platform::env {

inline http::response api_error(int status, std::string_view type, std::string_view message) {
  http::response r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = "{\"errorMessage\":";
  wire::json::append_string(r.body, message);
  r.body += ",\"errorType\":";
  wire::json::append_string(r.body, type);
  r.body += "}";
  return r;
}

inline http::response accepted() {
  http::response r;
  r.status = 202;
  r.set("Content-Type", "application/json");
  r.body = R"({"status":"OK"})";
  return r;
}

}  // namespace lambdakit::platform::env
