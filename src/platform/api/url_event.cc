#include "platform/api/url_event.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "wire/base64.h"

namespace lambdakit::platform::api {
namespace {

using json = nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 99;
    if (n == 99 || i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

// "12/Mar/2020:19:03:58 +0000"
std::string clf_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

bool origin_allowed(const url_config::cors_config& cors, std::string_view origin) {
  return std::any_of(cors.allow_origins.begin(), cors.allow_origins.end(),
                     [&](const std::string& o) { return o == "*" || o == origin; });
}

// Access-Control-Allow-Origin for an allowed origin: "*" when any origin is allowed and
// credentials are not (a wildcard cannot carry credentials), else the origin itself.
std::string allowed_origin(const url_config::cors_config& cors, std::string_view origin) {
  bool any = std::find(cors.allow_origins.begin(), cors.allow_origins.end(), "*") !=
             cors.allow_origins.end();
  return any && !cors.allow_credentials ? "*" : std::string(origin);
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string header_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Headers the server writes itself.
bool framing_header(const std::string& lowered) {
  return lowered == "content-length" || lowered == "transfer-encoding" || lowered == "connection";
}

// An answer's (or prelude's) "headers" and "cookies" (each a Set-Cookie header).
void add_headers(const json& j, http::response& res) {
  if (auto h = j.find("headers"); h != j.end() && h->is_object()) {
    for (const auto& [name, value] : h->items()) {
      if (framing_header(lower(name)) || value.is_null()) continue;
      res.set(name, header_text(value));
    }
  }
  if (auto c = j.find("cookies"); c != j.end() && c->is_array()) {
    for (const auto& cookie : *c) {
      if (cookie.is_string()) res.set("Set-Cookie", cookie.get<std::string>());
    }
  }
}

http::response bad_gateway() {
  http::response r;
  r.status = 502;
  r.set("Content-Type", "application/json");
  r.body = "Internal Server Error";
  return r;
}

}  // namespace

bool is_text_content_type(std::string_view content_type) {
  std::string t = lower(trim(content_type.substr(0, content_type.find(';'))));
  if (t.rfind("text/", 0) == 0) return true;
  for (const char* exact : {"application/json", "application/javascript", "application/xml",
                            "application/ecmascript", "application/x-javascript"}) {
    if (t == exact) return true;
  }
  auto ends = [&](std::string_view suffix) {
    return t.size() >= suffix.size() &&
           t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends("+json") || ends("+xml");
}

std::string url_event(const http::request& r, const url_call& c) {
  json headers = json::object();
  json cookies = json::array();
  std::string content_type;
  std::string user_agent;
  for (const auto& [name, value] : r.headers) {
    std::string key = lower(name);
    if (key == "cookie") {
      std::string_view rest = value;
      while (!rest.empty()) {
        auto semi = rest.find(';');
        auto piece = trim(rest.substr(0, semi));
        if (!piece.empty()) cookies.push_back(std::string(piece));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
      }
      continue;
    }
    if (key == "content-type") content_type = value;
    if (key == "user-agent") user_agent = value;
    if (headers.contains(key)) {
      headers[key] = headers[key].get<std::string>() + "," + value;
    } else {
      headers[key] = value;
    }
  }
  std::string raw_query(r.query());
  json event = {{"version", "2.0"},
                {"routeKey", "$default"},
                {"rawPath", c.raw_path},
                {"rawQueryString", raw_query},
                {"headers", headers}};
  if (!cookies.empty()) event["cookies"] = cookies;
  if (!raw_query.empty()) {
    json params = json::object();
    std::string_view rest = raw_query;
    while (!rest.empty()) {
      auto amp = rest.find('&');
      auto pair = rest.substr(0, amp);
      auto eq = pair.find('=');
      std::string key = http::percent_decode(pair.substr(0, eq));
      std::string value =
          eq == std::string_view::npos ? "" : http::percent_decode(pair.substr(eq + 1));
      if (!key.empty()) {
        params[key] = params.contains(key) ? params[key].get<std::string>() + "," + value : value;
      }
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
    event["queryStringParameters"] = params;
  }
  std::string path = http::percent_decode(c.raw_path);
  event["requestContext"] = {{"accountId", "anonymous"},
                             {"apiId", c.url_id},
                             {"domainName", c.url_id + ".lambda-url." + c.region + ".on.aws"},
                             {"domainPrefix", c.url_id},
                             {"http",
                              {{"method", r.method},
                               {"path", path},
                               {"protocol", "HTTP/1.1"},
                               {"sourceIp", c.source_ip},
                               {"userAgent", user_agent}}},
                             {"requestId", c.request_id},
                             {"routeKey", "$default"},
                             {"stage", "$default"},
                             {"time", clf_time(c.time_ms)},
                             {"timeEpoch", c.time_ms}};
  bool text = r.body.empty() || (is_text_content_type(content_type) && valid_utf8(r.body));
  if (!r.body.empty()) event["body"] = text ? r.body : wire::base64::encode(r.body);
  event["isBase64Encoded"] = !text;
  return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::response url_response(const env::invoke_outcome& o, std::string& why) {
  why.clear();
  if (o.status != env::invoke_status::success) return bad_gateway();
  json j = json::parse(o.body, nullptr, false);
  if (j.is_discarded()) {
    why =
        "the function's answer is not JSON: a function URL answers 502 for it (return JSON, "
        "or {\"statusCode\":200,\"body\":\"...\"})";
    return bad_gateway();
  }
  http::response res;
  if (!j.is_object() || !j.contains("statusCode")) {  // inferred: 200, JSON, the answer as is
    res.status = 200;
    res.set("Content-Type", "application/json");
    // A JSON string is its text (AWS answers "hello" as hello); other JSON as it was written.
    res.body = j.is_string() ? j.get<std::string>() : o.body;
    return res;
  }
  const json& code = j["statusCode"];
  if (!code.is_number_integer() || code.get<long long>() < 100 || code.get<long long>() > 599) {
    why = "the function's statusCode is not an HTTP status (an integer from 100 to 599)";
    return bad_gateway();
  }
  res.status = static_cast<int>(code.get<long long>());
  add_headers(j, res);
  bool typed = std::any_of(res.headers.begin(), res.headers.end(),
                           [](const auto& h) { return lower(h.first) == "content-type"; });
  if (!typed) res.set("Content-Type", "application/json");  // AWS's default
  std::string body;
  if (auto b = j.find("body"); b != j.end() && !b->is_null())
    body = b->is_string() ? b->get<std::string>() : b->dump();
  if (j.value("isBase64Encoded", false)) {
    auto decoded = wire::base64::decode(body);
    if (!decoded) {
      why = "the function's body is not valid base64, though isBase64Encoded is true";
      return bad_gateway();
    }
    body = std::move(*decoded);
  }
  res.body = std::move(body);
  return res;
}

http::response url_stream_head(std::string_view prelude) {
  http::response res;
  res.status = 200;
  json j = json::parse(prelude, nullptr, false);
  if (!j.is_object()) return res;
  if (auto code = j.find("statusCode"); code != j.end() && code->is_number_integer() &&
                                        code->get<long long>() >= 100 &&
                                        code->get<long long>() <= 599) {
    res.status = static_cast<int>(code->get<long long>());
  }
  add_headers(j, res);
  return res;
}

std::optional<http::response> cors_preflight(const url_config::cors_config& cors,
                                             const http::request& r) {
  if (!cors.set || r.method != "OPTIONS") return std::nullopt;
  auto origin = r.header("Origin");
  if (!origin || !r.header("Access-Control-Request-Method")) return std::nullopt;
  http::response res;
  res.status = 200;
  if (!origin_allowed(cors, *origin)) return res;  // no CORS headers: the browser refuses
  res.set("Access-Control-Allow-Origin", allowed_origin(cors, *origin));
  if (!cors.allow_methods.empty())
    res.set("Access-Control-Allow-Methods", joined(cors.allow_methods));
  if (!cors.allow_headers.empty())
    res.set("Access-Control-Allow-Headers", joined(cors.allow_headers));
  if (cors.allow_credentials) res.set("Access-Control-Allow-Credentials", "true");
  if (cors.max_age >= 0) res.set("Access-Control-Max-Age", std::to_string(cors.max_age));
  res.set("Vary", "Origin");
  return res;
}

void apply_cors(const url_config::cors_config& cors, std::string_view origin, http::response& res) {
  if (!cors.set) return;
  std::erase_if(res.headers,
                [](const auto& h) { return lower(h.first).rfind("access-control-", 0) == 0; });
  if (origin.empty() || !origin_allowed(cors, origin)) return;
  res.set("Access-Control-Allow-Origin", allowed_origin(cors, origin));
  if (cors.allow_credentials) res.set("Access-Control-Allow-Credentials", "true");
  if (!cors.expose_headers.empty())
    res.set("Access-Control-Expose-Headers", joined(cors.expose_headers));
  res.set("Vary", "Origin");
}

}  // namespace lambdakit::platform::api
