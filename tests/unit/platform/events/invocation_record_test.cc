#include "platform/events/invocation_record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambdakit::platform::events {
namespace {
using json = nlohmann::json;

event ran(std::string response, int attempts) {
  event e;
  e.request_id = "r-1";
  e.payload = R"({"order":7})";
  e.attempts = attempts;
  e.last_response = std::move(response);
  return e;
}

TEST(InvocationRecord, SuccessHasAWSsShape) {
  json j = json::parse(invocation_record(ran(R"({"ok":true})", 1), "arn:f:$LATEST", "Success",
                                         false, 1573755365568));
  json want = {{"version", "1.0"},
               {"timestamp", "2019-11-14T18:16:05.568Z"},
               {"requestContext",
                {{"requestId", "r-1"},
                 {"functionArn", "arn:f:$LATEST"},
                 {"condition", "Success"},
                 {"approximateInvokeCount", 1}}},
               {"requestPayload", {{"order", 7}}},
               {"responseContext", {{"statusCode", 200}, {"executedVersion", "$LATEST"}}},
               {"responsePayload", {{"ok", true}}}};
  EXPECT_EQ(j, want);
}

TEST(InvocationRecord, FailureNamesTheFunctionErrorAndATextAnswerStaysText) {
  json j = json::parse(invocation_record(ran("plain text", 3), "a", "RetriesExhausted", true, 0));
  EXPECT_EQ(j["responseContext"]["functionError"], "Unhandled");
  EXPECT_EQ(j["responsePayload"], "plain text");
  EXPECT_EQ(j["requestContext"]["approximateInvokeCount"], 3);
}

TEST(InvocationRecord, AnEventThatNeverRanHasNoResponse) {
  json j = json::parse(invocation_record(ran("", 0), "a", "EventAgeExceeded", false, 0));
  EXPECT_FALSE(j.contains("responseContext"));
  EXPECT_FALSE(j.contains("responsePayload"));
  EXPECT_EQ(j["timestamp"], "1970-01-01T00:00:00.000Z");
}

TEST(InvocationRecord, AnEmptyEventIsNull) {
  event e = ran("", 0);
  e.payload.clear();
  EXPECT_TRUE(
      json::parse(invocation_record(e, "a", "Success", false, 0))["requestPayload"].is_null());
}

}  // namespace
}  // namespace lambdakit::platform::events
