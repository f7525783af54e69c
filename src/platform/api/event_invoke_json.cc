#include "platform/api/event_invoke_json.h"

#include <nlohmann/json.hpp>
#include <regex>

#include "platform/events/invocation_record.h"

namespace lambdakit::platform::api {
namespace {

using json = nlohmann::json;

// DestinationArn's pattern in AWS's model (botocore lambda service-2.json).
const std::regex& destination_pattern() {
  static const std::regex re(
      R"(^(kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*))$)");
  return re;
}

api_result<int> bounded(const json& j, const char* field, const char* member, int lo, int hi) {
  const json& v = j.at(field);
  if (!v.is_number_integer())
    return invalid_content(std::string("Field ") + field + " must be an integer");
  // A parsed non-negative integer is "unsigned" to nlohmann::json, and may exceed long long.
  bool low = v.is_number_unsigned() ? v.get<unsigned long long>() < static_cast<unsigned>(lo)
                                    : v.get<long long>() < lo;
  bool high = v.is_number_unsigned() ? v.get<unsigned long long>() > static_cast<unsigned>(hi)
                                     : v.get<long long>() > hi;
  if (low || high) {
    return validation("1 validation error detected: Value '" + v.dump() + "' at '" + member +
                      "' failed to satisfy constraint: Member must have value " +
                      (low ? "greater than or equal to " + std::to_string(lo)
                           : "less than or equal to " + std::to_string(hi)));
  }
  return v.get<int>();
}

api_result<std::string> destination(const json& config, const char* which,
                                    const std::string& self_arn) {
  const json& d = config.at(which);
  if (!d.is_object()) return invalid_content(std::string("Field ") + which + " must be an object");
  for (const auto& [k, v] : d.items()) {
    if (k != "Destination")
      return invalid_content("Unknown field \"" + k + "\" in DestinationConfig." + which);
  }
  if (!d.contains("Destination")) return std::string();
  if (!d["Destination"].is_string())
    return invalid_content(std::string("Field ") + which + ".Destination must be a string");
  std::string arn = d["Destination"];
  if (arn.empty()) return arn;
  if (arn.size() > 350 || !std::regex_match(arn, destination_pattern())) {
    return validation("1 validation error detected: Value '" + arn.substr(0, 400) +
                      "' at 'destinationConfig." + (which[2] == 'S' ? "onSuccess" : "onFailure") +
                      ".destination' failed to satisfy constraint: Member must satisfy regular "
                      "expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:...");
  }
  std::string unqualified = arn;
  if (auto at = arn.find(":function:"); at != std::string::npos) {
    auto colon = arn.find(':', at + 10);
    if (colon != std::string::npos) unqualified = arn.substr(0, colon);
  }
  if (unqualified == self_arn)
    return invalid_parameter("You can't specify the function as a destination for itself.");
  if (which[2] == 'S' && arn.rfind("arn:aws:s3:", 0) == 0)
    return invalid_parameter("S3 buckets are supported only for on-failure destinations.");
  return arn;
}

json payload_json(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json event_json(const events::event& e) {
  return {{"request_id", e.request_id},
          {"function", e.function},
          {"payload", payload_json(e.payload)},
          {"attempts", e.attempts},
          {"last_error", e.last_error},
          {"accepted", events::iso8601_utc(e.accepted_ms)},
          {"last_attempt",
           e.last_attempt_ms > 0 ? json(events::iso8601_utc(e.last_attempt_ms)) : json(nullptr)}};
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

api_result<void> apply_event_invoke_config(const std::string& body, const std::string& self_arn,
                                           events::invoke_config& c) {
  json j = body.empty() ? json::object() : json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid_content("Could not parse request body into json: expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "MaximumRetryAttempts" && k != "MaximumEventAgeInSeconds" && k != "DestinationConfig")
      return invalid_content("Unknown field \"" + k + "\" in the event invoke config request");
  }
  if (j.empty()) {
    return invalid_parameter(
        "You must specify at least one of error handling or destination setting.");
  }
  events::invoke_config next = c;
  if (j.contains("MaximumRetryAttempts")) {
    auto n = bounded(j, "MaximumRetryAttempts", "maximumRetryAttempts", 0, 2);
    if (!n) return std::move(n).error();
    next.max_retry_attempts = *n;
  }
  if (j.contains("MaximumEventAgeInSeconds")) {
    auto n = bounded(j, "MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60, 21600);
    if (!n) return std::move(n).error();
    next.max_event_age_s = *n;
  }
  if (j.contains("DestinationConfig")) {
    const json& d = j["DestinationConfig"];
    if (!d.is_object()) return invalid_content("Field DestinationConfig must be an object");
    for (const auto& [k, v] : d.items()) {
      if (k != "OnSuccess" && k != "OnFailure")
        return invalid_content("Unknown field \"" + k + "\" in DestinationConfig");
    }
    if (d.contains("OnSuccess")) {
      auto a = destination(d, "OnSuccess", self_arn);
      if (!a) return std::move(a).error();
      next.on_success = *a;
    }
    if (d.contains("OnFailure")) {
      auto a = destination(d, "OnFailure", self_arn);
      if (!a) return std::move(a).error();
      next.on_failure = *a;
    }
  }
  c = std::move(next);
  return {};
}

std::string event_invoke_config_json(const events::invoke_config& c, const std::string& arn) {
  json on_success = json::object();
  json on_failure = json::object();
  if (!c.on_success.empty()) on_success["Destination"] = c.on_success;
  if (!c.on_failure.empty()) on_failure["Destination"] = c.on_failure;
  json j = {{"LastModified", static_cast<double>(c.last_modified_ms) / 1000.0},
            {"FunctionArn", arn + ":$LATEST"},
            {"DestinationConfig", {{"OnSuccess", on_success}, {"OnFailure", on_failure}}}};
  if (c.max_retry_attempts) j["MaximumRetryAttempts"] = *c.max_retry_attempts;
  if (c.max_event_age_s) j["MaximumEventAgeInSeconds"] = *c.max_event_age_s;
  return j.dump();
}

std::string queued_events_json(const std::vector<events::event>& queued) {
  json list = json::array();
  for (const auto& e : queued) {
    json j = event_json(e);
    j["state"] = "queued";
    j["next_attempt"] = events::iso8601_utc(e.next_ms);
    list.push_back(std::move(j));
  }
  return dump({{"events", list}});
}

std::string dead_letters_json(const std::vector<events::dead_letter>& dead) {
  json list = json::array();
  for (const auto& d : dead) {
    json j = event_json(d.e);
    j["state"] = "dead";
    j["reason"] = d.reason;
    j["last_response"] = payload_json(d.e.last_response);
    j["dead_since"] = events::iso8601_utc(d.buried_ms);
    list.push_back(std::move(j));
  }
  return dump({{"events", list}});
}

std::string kept_records_json(const std::vector<events::kept_record>& kept) {
  json list = json::array();
  for (const auto& k : kept) {
    list.push_back({{"function", k.function},
                    {"destination", k.destination},
                    {"condition", k.condition},
                    {"record", payload_json(k.record)},
                    {"why", k.why},
                    {"created", events::iso8601_utc(k.created_ms)}});
  }
  return dump({{"records", list}});
}

}  // namespace lambdakit::platform::api
