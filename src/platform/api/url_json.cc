#include "platform/api/url_json.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "base/random.h"

namespace lambdakit::platform::api {
namespace {

using json = nlohmann::json;

service_error enum_error(const std::string& value, const char* member, const char* set) {
  return validation("1 validation error detected: Value '" + value + "' at '" + member +
                    "' failed to satisfy constraint: Member must satisfy enum value set: [" + set +
                    "]");
}

// A list of strings, each at most `max_length` long, at most `max_items` of them.
api_result<std::vector<std::string>> strings(const json& j, const char* member,
                                             std::size_t max_length, std::size_t max_items) {
  if (!j.is_array())
    return invalid_content(std::string("Field Cors.") + member + " must be a list");
  if (j.size() > max_items) {
    return validation(std::string("1 validation error detected: Value at 'cors.") + member +
                      "' failed to satisfy constraint: Member must have length less than or "
                      "equal to " +
                      std::to_string(max_items));
  }
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string())
      return invalid_content(std::string("Field Cors.") + member + " must hold strings");
    if (v.get<std::string>().empty() || v.get<std::string>().size() > max_length) {
      return validation(std::string("1 validation error detected: Value at 'cors.") + member +
                        "' failed to satisfy constraint: Member must satisfy constraint: [Member "
                        "must have length less than or equal to " +
                        std::to_string(max_length) +
                        ", Member must have length greater than or equal to 1]");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

api_result<url_config::cors_config> parse_cors(const json& c) {
  if (!c.is_object()) return invalid_content("Field Cors must be an object");
  static const std::set<std::string> fields = {"AllowCredentials", "AllowHeaders",  "AllowMethods",
                                               "AllowOrigins",     "ExposeHeaders", "MaxAge"};
  url_config::cors_config out;
  out.set = true;
  for (const auto& [k, v] : c.items()) {
    if (!fields.contains(k)) return invalid_content("Unknown field \"Cors." + k + "\"");
  }
  if (c.contains("AllowCredentials")) {
    if (!c["AllowCredentials"].is_boolean())
      return invalid_content("Field Cors.AllowCredentials must be a boolean");
    out.allow_credentials = c["AllowCredentials"].get<bool>();
  }
  struct list_field {
    const char* name;
    std::vector<std::string>* into;
    std::size_t max_length;
  };
  for (auto [name, into, max_length] : {list_field{"AllowHeaders", &out.allow_headers, 1024},
                                        list_field{"AllowMethods", &out.allow_methods, 6},
                                        list_field{"AllowOrigins", &out.allow_origins, 253},
                                        list_field{"ExposeHeaders", &out.expose_headers, 1024}}) {
    if (!c.contains(name)) continue;
    auto v = strings(c[name], name, max_length, 100);
    if (!v) return std::move(v).error();
    *into = std::move(v).value();
  }
  static const std::set<std::string> methods = {"GET",   "PUT",    "HEAD",    "POST",
                                                "PATCH", "DELETE", "OPTIONS", "*"};
  for (const auto& m : out.allow_methods) {
    if (!methods.contains(m)) {
      return validation("1 validation error detected: Value '[" + m +
                        "]' at 'cors.allowMethods' failed to satisfy constraint: Member must "
                        "satisfy constraint: [Member must satisfy regular expression pattern: "
                        ".*]; the method must be GET, PUT, HEAD, POST, PATCH, DELETE, OPTIONS "
                        "or *");
    }
  }
  if (c.contains("MaxAge")) {
    const json& m = c["MaxAge"];
    if (!m.is_number_integer() || m.get<long long>() < 0 || m.get<long long>() > 86400) {
      return validation("1 validation error detected: Value '" + m.dump() +
                        "' at 'cors.maxAge' failed to satisfy constraint: Member must have value "
                        "between 0 and 86400");
    }
    out.max_age = static_cast<int>(m.get<long long>());
  }
  return out;
}

}  // namespace

api_result<void> parse_url_config(const std::string& body, bool create, url_config& u) {
  json j = json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid_content("Could not parse request body into json: expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "AuthType" && k != "Cors" && k != "InvokeMode") {
      return invalid_content("Unknown field \"" + k + "\" in the " +
                             (create ? "CreateFunctionUrlConfig" : "UpdateFunctionUrlConfig") +
                             " request");
    }
  }
  url_config changed = u;
  if (create && !j.contains("AuthType")) return validation("Missing required field AuthType");
  if (j.contains("AuthType")) {
    if (!j["AuthType"].is_string()) return invalid_content("Field AuthType must be a string");
    changed.auth_type = j["AuthType"];
    if (changed.auth_type != "NONE" && changed.auth_type != "AWS_IAM")
      return enum_error(changed.auth_type, "authType", "AWS_IAM, NONE");
  }
  if (j.contains("InvokeMode")) {
    if (!j["InvokeMode"].is_string()) return invalid_content("Field InvokeMode must be a string");
    changed.invoke_mode = j["InvokeMode"];
    if (changed.invoke_mode != "BUFFERED" && changed.invoke_mode != "RESPONSE_STREAM")
      return enum_error(changed.invoke_mode, "invokeMode", "RESPONSE_STREAM, BUFFERED");
  }
  if (j.contains("Cors")) {
    auto cors = parse_cors(j["Cors"]);
    if (!cors) return std::move(cors).error();
    changed.cors = std::move(cors).value();
  }
  u = std::move(changed);
  return {};
}

std::string url_config_json(const url_config& u, const std::string& url,
                            const std::string& function_arn, bool with_last_modified) {
  json j = {{"FunctionUrl", url},
            {"FunctionArn", function_arn},
            {"AuthType", u.auth_type},
            {"CreationTime", u.creation_time},
            {"InvokeMode", u.invoke_mode}};
  if (with_last_modified) j["LastModifiedTime"] = u.last_modified;
  if (u.cors.set) {
    json c = {{"AllowCredentials", u.cors.allow_credentials},
              {"AllowHeaders", u.cors.allow_headers},
              {"AllowMethods", u.cors.allow_methods},
              {"AllowOrigins", u.cors.allow_origins},
              {"ExposeHeaders", u.cors.expose_headers}};
    if (u.cors.max_age >= 0) c["MaxAge"] = u.cors.max_age;
    j["Cors"] = std::move(c);
  }
  return j.dump();
}

std::string url_timestamp_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  auto us = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(us));
  return buf;
}

std::string new_url_id() {
  return base::random_hex(32);
}

}  // namespace lambdakit::platform::api
