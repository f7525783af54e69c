// Function URLs: the four *FunctionUrlConfig calls and ListFunctionUrlConfigs, and the URLs
// themselves: an HTTP request to one becomes an invoke with the payload format 2.0 event.
#include <chrono>
#include <nlohmann/json.hpp>

#include "base/parse.h"
#include "platform/api/lambda_api.h"
#include "platform/api/responses.h"
#include "platform/api/url_event.h"
#include "platform/api/url_json.h"
#include "platform/api/url_stream.h"
#include "platform/api/version_json.h"
#include "wire/base64.h"

namespace lambdakit::platform::api {
namespace {

constexpr std::size_t max_url_payload = 6291456;

http::response plain(int status, std::string message, const std::string& rid) {
  http::response r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.set("x-amzn-RequestId", rid);
  r.body = nlohmann::json{{"Message", std::move(message)}}.dump();
  return r;
}

service_error url_not_found() {
  return {404, "ResourceNotFoundException", "The resource you requested does not exist.", {}};
}

// What a URL that is not (or no longer) there answers: AWS's 403, as for a refused caller.
http::response forbidden(const std::string& message_json, const std::string& rid) {
  http::response r;
  r.status = 403;
  r.set("Content-Type", "application/json");
  r.set("x-amzn-ErrorType", "AccessDeniedException");
  r.set("x-amzn-RequestId", rid);
  r.body = "{\"Message\":" + message_json + "}";
  return r;
}

}  // namespace

std::string lambda_api::url_of(const url_config& u, const http::request& r) const {
  std::string host(r.header("Host").value_or(""));
  if (host.empty()) host = "127.0.0.1";
  return "http://" + host + "/lambda-url/" + u.url_id + "/";
}

void lambda_api::function_urls(const std::string& name, bool list, const http::request& r,
                               const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  auto ref = parse_function_ref(name);
  auto found = ref ? functions_.get(ref->name)
                   : result<std::optional<function_config>>(std::optional<function_config>());
  if (!found) return fail(service_failure(found.error().message()));
  if (!*found) {  // AWS's words differ by call here
    if (!list && (r.method == "GET" || r.method == "DELETE")) return fail(url_not_found());
    return fail({404, "ResourceNotFoundException", "Function does not exist", {}});
  }
  const std::string fn = (*found)->name;
  std::string arn = function_arn(fn, opt_.region, opt_.account);
  if (list) {
    if (r.method != "GET") return fail({405, "UnknownOperationException", "use GET", {}});
    auto urls = functions_.list_urls(fn);
    if (!urls) return fail(service_failure(urls.error().message()));
    int max = 50;
    if (auto m = http::query_param(r.query(), "MaxItems")) {
      auto n = base::parse_integer(*m, 1, 50);
      if (!n) {
        return fail(validation("1 validation error detected: Value '" + *m +
                               "' at 'maxItems' failed to satisfy constraint: Member must have "
                               "value between 1 and 50"));
      }
      max = static_cast<int>(*n);
    }
    auto start =
        base::parse_integer(http::query_param(r.query(), "Marker").value_or("0"), 0, 1 << 30);
    if (!start) return fail(invalid_parameter("Marker is not one this service gave"));
    nlohmann::json items = nlohmann::json::array();
    std::size_t i = static_cast<std::size_t>(*start);
    for (; i < urls->size() && static_cast<int>(items.size()) < max; ++i) {
      const auto& u = (*urls)[i];
      items.push_back(nlohmann::json::parse(url_config_json(
          u, url_of(u, r), u.qualifier.empty() ? arn : arn + ":" + u.qualifier, true)));
    }
    nlohmann::json j = {{"FunctionUrlConfigs", items}};
    if (i < urls->size()) j["NextMarker"] = std::to_string(i);
    return respond(json_response(200, j.dump(), rid));
  }
  std::string qualifier =
      http::query_param(r.query(), "Qualifier").value_or(ref ? ref->qualifier : "");
  if (!qualifier.empty()) {
    // A URL is the function's ($LATEST) or an alias's, never a version's.
    if (qualifier == "$LATEST" || !is_alias_name(qualifier)) {
      return fail(validation("1 validation error detected: Value '" + qualifier +
                             "' at 'qualifier' failed to satisfy constraint: Member must satisfy "
                             "regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)"));
    }
    auto alias = functions_.get_alias(fn, qualifier);
    if (!alias) return fail(service_failure(alias.error().message()));
    if (!*alias) return fail(not_found(arn + ":" + qualifier));
  }
  std::string target_arn = qualifier.empty() ? arn : arn + ":" + qualifier;
  auto existing = functions_.get_url(fn, qualifier);
  if (!existing) return fail(service_failure(existing.error().message()));
  const std::string& m = r.method;
  if (m == "POST") {  // CreateFunctionUrlConfig: the request is checked first, then the state
    url_config u;
    u.function = fn;
    u.qualifier = qualifier;
    if (auto p = parse_url_config(r.body, true, u); !p) return fail(p.error());
    if (*existing) {
      return fail(conflict("Failed to create function url config for [functionArn = " + target_arn +
                           "]. Error message:  FunctionUrlConfig exists for this Lambda function"));
    }
    u.url_id = new_url_id();
    u.creation_time = url_timestamp_now();
    u.last_modified = u.creation_time;
    if (auto p = functions_.put_url(u); !p) return fail(service_failure(p.error().message()));
    return respond(json_response(201, url_config_json(u, url_of(u, r), target_arn, false), rid));
  }
  if (!*existing) return fail(url_not_found());
  url_config u = std::move(**existing);
  if (m == "GET")
    return respond(json_response(200, url_config_json(u, url_of(u, r), target_arn, true), rid));
  if (m == "PUT") {  // UpdateFunctionUrlConfig
    if (auto p = parse_url_config(r.body, false, u); !p) return fail(p.error());
    u.last_modified = url_timestamp_now();
    if (auto p = functions_.put_url(u); !p) return fail(service_failure(p.error().message()));
    return respond(json_response(200, url_config_json(u, url_of(u, r), target_arn, true), rid));
  }
  if (m == "DELETE") {
    if (auto d = functions_.remove_url(fn, qualifier); !d)
      return fail(service_failure(d.error().message()));
    return respond(no_content(rid));
  }
  fail({405, "UnknownOperationException", "use POST, GET, PUT or DELETE", {}});
}

void lambda_api::serve_url(const std::string& url_id, std::string raw_path, http::request&& r,
                           const http::responder& respond, const std::string& rid) {
  auto received = std::chrono::steady_clock::now();
  auto found = functions_.url_by_id(url_id);
  if (!found) return respond(plain(500, "lambdakit serve: " + found.error().message(), rid));
  if (!*found) return respond(forbidden("null", rid));
  url_config u = std::move(**found);
  if (auto pre = cors_preflight(u.cors, r)) {
    pre->set("x-amzn-RequestId", rid);
    return respond(std::move(*pre));
  }
  if (r.body.size() > max_url_payload) {
    return respond(
        plain(413, "Request must be smaller than 6291456 bytes for a function URL", rid));
  }
  auto target =
      resolve(u.function, u.qualifier.empty() ? std::nullopt : std::optional(u.qualifier), true);
  if (!target && target.error().status == 404) {  // its alias was deleted: the URL stays, refused
    return respond(
        forbidden("\"Forbidden. For troubleshooting Function URL authorization issues, see: "
                  "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html\"",
                  rid));
  }
  if (!target) return respond(plain(500, target.error().message, rid));
  url_call call;
  call.url_id = url_id;
  call.region = opt_.region;
  call.account = opt_.account;
  call.request_id = rid;
  call.source_ip = r.peer.empty() ? "127.0.0.1" : r.peer;
  call.raw_path = raw_path.empty() ? "/" : std::move(raw_path);
  call.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  env::invoke_request req;
  req.request_id = rid;
  req.payload = url_event(r, call);
  std::string arn = function_arn(u.function, opt_.region, opt_.account);
  req.function_arn = u.qualifier.empty() ? arn : arn + ":" + u.qualifier;
  req.trace_id = std::string(r.header("X-Amzn-Trace-Id").value_or(""));
  if (req.trace_id.empty()) req.trace_id = new_trace_header();
  auto log = [l = opt_.log, name = u.function, rid](const std::string& line) {
    if (l) l(name, "lambdakit: function URL " + rid + ": " + line);
  };
  auto stream = std::make_shared<url_stream>(
      respond, rid, u.cors, std::string(r.header("Origin").value_or("")), opt_.stream, log);
  if (u.invoke_mode == "RESPONSE_STREAM") req.stream = stream;
  const function_config& fn = target->fn;
  bool accepted = run_invoke(fn, std::move(req), "RequestResponse", received,
                             [stream](const env::invoke_outcome& o) { stream->finish(o); });
  if (!accepted) {
    if (opt_.log) opt_.log(fn.name, "lambdakit: " + rid + " throttled: all environments are busy");
    respond(plain(429, "Rate Exceeded.", rid));
  }
}

}  // namespace lambdakit::platform::api
