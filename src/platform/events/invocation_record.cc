#include "platform/events/invocation_record.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace lambdakit::platform::events {
namespace {

nlohmann::json as_json(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return text;  // a text or binary answer: carried as a string
  return j;
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
  return out;
}

std::string invocation_record(const event& e, const std::string& function_arn,
                              const std::string& condition, bool function_error,
                              std::int64_t now_ms) {
  nlohmann::json j = {{"version", "1.0"},
                      {"timestamp", iso8601_utc(now_ms)},
                      {"requestContext",
                       {{"requestId", e.request_id},
                        {"functionArn", function_arn},
                        {"condition", condition},
                        {"approximateInvokeCount", e.attempts}}},
                      {"requestPayload", as_json(e.payload)}};
  if (e.attempts > 0) {
    nlohmann::json rc = {
        {"statusCode", 200},
        {"executedVersion", e.executed_version.empty() ? "$LATEST" : e.executed_version}};
    if (function_error) rc["functionError"] = "Unhandled";
    j["responseContext"] = rc;
    j["responsePayload"] = as_json(e.last_response);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace lambdakit::platform::events
