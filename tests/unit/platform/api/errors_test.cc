#include "platform/api/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace lambdakit::platform::api {
namespace {

const std::string arn = "arn:aws:lambda:us-east-1:123456789012:function:hello";

TEST(ServiceError, EachKindHasAwsStatusAndCode) {
  struct {
    service_error e;
    int status;
    const char* code;
    std::string message;
    std::string extra_json;
  } cases[] = {
      {not_found(arn), 404, "ResourceNotFoundException", "Function not found: " + arn, ""},
      {invalid_parameter("bad"), 400, "InvalidParameterValueException", "bad", ""},
      {validation("bad"), 400, "ValidationException", "bad", ""},
      {invalid_content("bad"), 400, "InvalidRequestContentException", "bad", ""},
      {too_large("Request must be smaller than 6291456 bytes for the InvokeFunction operation"),
       413, "RequestEntityTooLargeException",
       "Request must be smaller than 6291456 bytes for the InvokeFunction operation", ""},
      {conflict("busy"), 409, "ResourceConflictException", "busy", ""},
      {too_many_requests(false), 429, "TooManyRequestsException", "Rate Exceeded.",
       R"("Reason":"ConcurrentInvocationLimitExceeded","retryAfterSeconds":"1")"},
      {too_many_requests(true), 429, "TooManyRequestsException", "Rate Exceeded.",
       R"("Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","retryAfterSeconds":"1")"},
      {service_failure("disk full"), 500, "ServiceException", "disk full", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.e.status, c.status) << c.code;
    EXPECT_EQ(c.e.code, c.code);
    EXPECT_EQ(c.e.message, c.message) << c.code;
    EXPECT_EQ(c.e.extra_json, c.extra_json) << c.code;
  }
}

TEST(ToResponse, IsWhatBotocoreReads) {
  struct {
    const char* name;
    service_error e;
    std::string body;
  } cases[] = {
      {"a user error", not_found(arn),
       R"({"Type":"User","message":"Function not found: )" + arn + R"("})"},
      {"a service error", service_failure("disk full"),
       R"({"Type":"Service","message":"disk full"})"},
      {"a message that needs escaping", validation("say \"hi\"\n\tand \\ go"),
       R"({"Type":"User","message":"say \"hi\"\n\tand \\ go"})"},
      {"extra members", too_many_requests(true),
       R"({"Type":"User","message":"Rate Exceeded.","Reason":)"
       R"("ReservedFunctionConcurrentInvocationLimitExceeded","retryAfterSeconds":"1"})"},
      {"an empty message", conflict(""), R"({"Type":"User","message":""})"},
  };
  for (const auto& c : cases) {
    http::response r = to_response(c.e, "req-1");
    EXPECT_EQ(r.status, c.e.status) << c.name;
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"},
        {"x-amzn-ErrorType", c.e.code},
        {"x-amzn-RequestId", "req-1"}};
    EXPECT_EQ(r.headers, headers) << c.name;
    EXPECT_EQ(r.body, c.body) << c.name;
    auto parsed = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << c.name << ": " << r.body;
    EXPECT_EQ(parsed["message"], c.e.message) << c.name;
  }
}

}  // namespace
}  // namespace lambdakit::platform::api
