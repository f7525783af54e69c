// What a function URL does with HTTP: the request as the payload format 2.0 event, the
// function's answer back as the HTTP response (statusCode, headers, cookies, body,
// isBase64Encoded, or any other JSON as a 200 application/json body), and CORS.
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/env/invocation.h"
#include "platform/function.h"
#include "platform/http/message.h"

namespace lambdakit::platform::api {

struct url_call {
  std::string url_id;
  std::string region;
  std::string account;
  std::string request_id;
  std::string source_ip;
  std::string raw_path;  // the path after the URL's root, percent-encoded as sent ("/a/b")
  std::int64_t time_ms = 0;
};

// The event the function gets (AWS's urls-invocation.html, "Request payload format").
std::string url_event(const http::request& r, const url_call& c);

// Whether a request body of this Content-Type reaches the function as text (else base64).
bool is_text_content_type(std::string_view content_type);

// A buffered answer as the HTTP response: success mapped as AWS maps it; a function error,
// timeout or crash is 502 Internal Server Error. nullopt with `why` set: the answer cannot be
// mapped (not JSON, a body that is not valid base64): 502 as well, and `why` is logged.
http::response url_response(const env::invoke_outcome& o, std::string& why);

// A RESPONSE_STREAM answer's head from its prelude ({"statusCode","headers","cookies"}, what
// awslambda.HttpResponseStream.from writes before its 8 NUL bytes).
http::response url_stream_head(std::string_view prelude);

// CORS (the URL's Cors): a preflight (OPTIONS with Origin and Access-Control-Request-Method)
// is answered without the function; other answers get the allowed origin's headers, and the
// function's own Access-Control-* headers are replaced.
std::optional<http::response> cors_preflight(const url_config::cors_config& cors,
                                             const http::request& r);
// `origin`: the request's Origin header, or empty.
void apply_cors(const url_config::cors_config& cors, std::string_view origin, http::response& res);

}  // namespace lambdakit::platform::api
