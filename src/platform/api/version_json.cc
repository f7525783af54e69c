#include "platform/api/version_json.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "platform/api/function_json.h"

namespace lambdakit::platform::api {
namespace {

using json = nlohmann::json;

api_result<json> parse_object(const std::string& body, const std::set<std::string>& allowed,
                              const char* operation) {
  json j = json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
  if (j.is_discarded())
    return invalid_content("Could not parse request body into json: the body is not valid JSON");
  if (!j.is_object())
    return invalid_content("Could not parse request body into json: expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (!allowed.contains(k))
      return invalid_content("Unknown field \"" + k + "\" in the " + operation + " request");
    if (k != "RoutingConfig" && !v.is_string())
      return invalid_content("Field " + k + " must be a string");
  }
  return j;
}

service_error pattern_error(const std::string& value, const char* member, const char* pattern) {
  return validation("1 validation error detected: Value '" + value + "' at '" + member +
                    "' failed to satisfy constraint: Member must satisfy regular expression "
                    "pattern: " +
                    pattern);
}

bool is_version(const std::string& v) {
  return v == "$LATEST" || version_number(v).has_value();
}

// RoutingConfig.AdditionalVersionWeights: at most one version, weight in [0, 1].
api_result<std::map<std::string, double>> parse_routing(const json& routing) {
  if (!routing.is_object()) return invalid_content("Field RoutingConfig must be an object");
  std::map<std::string, double> weights;
  if (!routing.contains("AdditionalVersionWeights")) return weights;
  const json& w = routing["AdditionalVersionWeights"];
  if (!w.is_object())
    return invalid_content("Field RoutingConfig.AdditionalVersionWeights must be an object");
  std::string shown = "{";
  for (const auto& [version, weight] : w.items()) {
    if (shown.size() > 1) shown += ", ";
    char number[32];
    std::snprintf(number, sizeof number, "%.1f",
                  weight.is_number() ? weight.get<double>() : 0.0);  // AWS shows 2 as 2.0
    shown += version + "=" + (weight.is_number() ? std::string(number) : weight.dump());
  }
  shown += "}";
  for (const auto& [version, weight] : w.items()) {
    if (!weight.is_number() || weight.get<double>() < 0.0 || weight.get<double>() > 1.0) {
      return validation("1 validation error detected: Value '" + shown +
                        "' at 'routingConfig.additionalVersionWeights' failed to satisfy "
                        "constraint: Map value must satisfy constraint: [Member must have value "
                        "less than or equal to 1.0, Member must have value greater than or equal "
                        "to 0.0, Member must not be null]");
    }
    if (!version_number(version)) {
      return validation("1 validation error detected: Value '" + shown +
                        "' at 'routingConfig.additionalVersionWeights' failed to satisfy "
                        "constraint: Map keys must satisfy constraint: [Member must have length "
                        "less than or equal to 1024, Member must have length greater than or "
                        "equal to 1, Member must satisfy regular expression pattern: [0-9]+]");
    }
    weights[version] = weight.get<double>();
  }
  if (weights.size() > 1) {
    return invalid_parameter(
        "Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  return weights;
}

}  // namespace

std::optional<int> version_number(const std::string& s) {
  if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n < 1) return std::nullopt;
  return n;
}

bool is_alias_name(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  bool digits = std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  return !digits && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

api_result<publish_request> parse_publish(const std::string& body) {
  auto j = parse_object(body, {"CodeSha256", "Description", "RevisionId"}, "PublishVersion");
  if (!j) return std::move(j).error();
  publish_request p;
  if (j->contains("CodeSha256")) p.code_sha256 = (*j)["CodeSha256"].get<std::string>();
  if (j->contains("Description")) {
    p.description = (*j)["Description"].get<std::string>();
    if (p.description->size() > 256) {
      return validation(
          "1 validation error detected: Value at 'description' failed to satisfy "
          "constraint: Member must have length less than or equal to 256");
    }
  }
  if (j->contains("RevisionId")) p.revision_id = (*j)["RevisionId"].get<std::string>();
  return p;
}

api_result<void> parse_alias(const std::string& body, bool create, alias_config& a) {
  auto parsed =
      create ? parse_object(body, {"Name", "FunctionVersion", "Description", "RoutingConfig"},
                            "CreateAlias")
             : parse_object(body, {"FunctionVersion", "Description", "RoutingConfig", "RevisionId"},
                            "UpdateAlias");
  if (!parsed) return std::move(parsed).error();
  const json& j = *parsed;
  if (create) {
    for (const char* required : {"Name", "FunctionVersion"}) {
      if (!j.contains(required))
        return validation(std::string("Missing required field ") + required);
    }
  }
  if (j.contains("RevisionId") && j["RevisionId"] != a.revision_id) return precondition_failed();
  alias_config changed = a;
  if (j.contains("Name")) {
    changed.name = j["Name"];
    if (!is_alias_name(changed.name))
      return pattern_error(changed.name, "name", "(?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  }
  if (j.contains("FunctionVersion")) {
    changed.function_version = j["FunctionVersion"];
    if (!is_version(changed.function_version))
      return pattern_error(changed.function_version, "functionVersion", "(\\$LATEST|[0-9]+)");
  }
  if (j.contains("Description")) {
    changed.description = j["Description"];
    if (changed.description.size() > 256) {
      return validation(
          "1 validation error detected: Value at 'description' failed to satisfy "
          "constraint: Member must have length less than or equal to 256");
    }
  }
  if (j.contains("RoutingConfig")) {
    auto weights = parse_routing(j["RoutingConfig"]);
    if (!weights) return std::move(weights).error();
    changed.additional_weights = std::move(weights).value();
  }
  for (const auto& [version, weight] : changed.additional_weights) {
    if (changed.function_version == "$LATEST") {
      return invalid_parameter(
          "$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (version == changed.function_version) {
      return invalid_parameter("Invalid function version " + version + ". Function version " +
                               version + " is already included in routing configuration.");
    }
  }
  a = std::move(changed);
  return {};
}

std::string alias_json(const alias_config& a, const std::string& region,
                       const std::string& account) {
  json j = {{"AliasArn", function_arn(a.function, region, account) + ":" + a.name},
            {"Name", a.name},
            {"FunctionVersion", a.function_version},
            {"Description", a.description},
            {"RevisionId", a.revision_id}};
  if (!a.additional_weights.empty())
    j["RoutingConfig"] = {{"AdditionalVersionWeights", a.additional_weights}};
  return j.dump();
}

}  // namespace lambdakit::platform::api
