#include "platform/api/event_invoke_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambdakit::platform::api {
namespace {

const std::string self = "arn:aws:lambda:us-east-1:000000000000:function:f";

service_error refused(const std::string& body) {
  events::invoke_config c;
  auto r = apply_event_invoke_config(body, self, c);
  EXPECT_FALSE(r) << body;
  return r ? service_error{} : r.error();
}

TEST(EventInvokeJson, AcceptsAWSsRangesAndDestinations) {
  events::invoke_config c;
  ASSERT_TRUE(apply_event_invoke_config(
      R"({"MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":21600,"DestinationConfig":{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:000000000000:q"},"OnFailure":{"Destination":"arn:aws:lambda:us-east-1:000000000000:function:g:$LATEST"}}})",
      self, c));
  EXPECT_EQ(c.max_retry_attempts, 0);
  EXPECT_EQ(c.max_event_age_s, 21600);
  EXPECT_EQ(c.on_success, "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(c.on_failure, "arn:aws:lambda:us-east-1:000000000000:function:g:$LATEST");
}

TEST(EventInvokeJson, RefusesWhatAWSRefuses) {
  EXPECT_EQ(refused(R"({"MaximumRetryAttempts":3})").code, "ValidationException");
  EXPECT_EQ(refused(R"({"MaximumEventAgeInSeconds":59})").code, "ValidationException");
  EXPECT_EQ(refused(R"({"MaximumEventAgeInSeconds":9223372036854775808})").code,
            "ValidationException");
  EXPECT_EQ(refused(R"({"MaximumRetryAttempts":1.5})").code, "InvalidRequestContentException");
  EXPECT_EQ(refused("{}").code, "InvalidParameterValueException");
  EXPECT_EQ(refused("[1]").code, "InvalidRequestContentException");
  EXPECT_EQ(refused("{not json").code, "InvalidRequestContentException");
  EXPECT_EQ(refused(R"({"DestinationConfig":{"OnSuccess":{"Destination":"x"}}})").code,
            "ValidationException");
  EXPECT_EQ(
      refused(R"({"DestinationConfig":{"OnFailure":{"Destination":")" + self + R"(:$LATEST"}}})")
          .code,
      "InvalidParameterValueException");
  EXPECT_EQ(refused(R"({"DestinationConfig":{"OnSuccess":{"Destination":"arn:aws:s3:::b"}}})").code,
            "InvalidParameterValueException");
  EXPECT_EQ(refused(R"({"DestinationConfig":{"Other":{}}})").code,
            "InvalidRequestContentException");
}

TEST(EventInvokeJson, AnErrorChangesNothing) {
  events::invoke_config c;
  c.max_retry_attempts = 1;
  EXPECT_FALSE(apply_event_invoke_config(
      R"({"MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":1})", self, c));
  EXPECT_EQ(c.max_retry_attempts, 1);
}

TEST(EventInvokeJson, AnswerHasEmptyDestinationsAndOnlyTheSetMembers) {
  events::invoke_config c;
  c.max_event_age_s = 120;
  c.last_modified_ms = 1500;
  auto j = nlohmann::json::parse(event_invoke_config_json(c, self));
  EXPECT_EQ(j["FunctionArn"], self + ":$LATEST");
  EXPECT_EQ(j["LastModified"], 1.5);
  EXPECT_EQ(j["MaximumEventAgeInSeconds"], 120);
  EXPECT_FALSE(j.contains("MaximumRetryAttempts"));
  EXPECT_EQ(j["DestinationConfig"], nlohmann::json({{"OnSuccess", nlohmann::json::object()},
                                                    {"OnFailure", nlohmann::json::object()}}));
}

}  // namespace
}  // namespace lambdakit::platform::api
