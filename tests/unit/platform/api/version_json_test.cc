#include "platform/api/version_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambdakit::platform::api {
namespace {

service_error alias_refused(const std::string& body, bool create = true) {
  alias_config a{"f", "", "", "", {}, "rev"};
  auto r = parse_alias(body, create, a);
  EXPECT_FALSE(r) << body;
  return r ? service_error{} : r.error();
}

TEST(VersionJson, VersionNumbersAndAliasNames) {
  EXPECT_EQ(version_number("1"), 1);
  EXPECT_EQ(version_number("2147483647"), 2147483647);
  for (const char* bad : {"", "0", "01", "-1", "1a", "$LATEST", "2147483648", "live"})
    EXPECT_FALSE(version_number(bad)) << bad;
  EXPECT_TRUE(is_alias_name("live"));
  EXPECT_TRUE(is_alias_name("v1-blue_2"));
  EXPECT_TRUE(is_alias_name("1a"));
  for (const char* bad : {"", "123", "a:b", "$LATEST", "a.b"})
    EXPECT_FALSE(is_alias_name(bad)) << bad;
  EXPECT_FALSE(is_alias_name(std::string(129, 'a')));
}

TEST(VersionJson, ParsesPublish) {
  auto p = parse_publish(R"({"CodeSha256":"abc","Description":"d","RevisionId":"r"})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code_sha256, "abc");
  EXPECT_EQ(p->description, "d");
  EXPECT_EQ(p->revision_id, "r");
  auto empty = parse_publish("");  // boto3 sends no body when nothing is set
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->description);
  EXPECT_EQ(parse_publish(R"({"Other":1})").error().code, "InvalidRequestContentException");
  EXPECT_EQ(parse_publish(R"({"Description":1})").error().code, "InvalidRequestContentException");
  EXPECT_EQ(parse_publish("{").error().code, "InvalidRequestContentException");
  EXPECT_EQ(parse_publish(R"({"Description":")" + std::string(257, 'x') + "\"}").error().code,
            "ValidationException");
}

TEST(VersionJson, ParsesAliasesWithRouting) {
  alias_config a{"f", "", "", "", {}, ""};
  ASSERT_TRUE(parse_alias(
      R"({"Name":"live","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.3}}})",
      true, a));
  EXPECT_EQ(a.name, "live");
  EXPECT_EQ(a.function_version, "1");
  EXPECT_DOUBLE_EQ(a.additional_weights.at("2"), 0.3);
  a.revision_id = "rev";
  ASSERT_TRUE(parse_alias(R"({"Description":"d","RevisionId":"rev"})", false, a));
  EXPECT_EQ(a.description, "d");
  EXPECT_EQ(a.function_version, "1");  // what the update leaves out stays
  ASSERT_TRUE(parse_alias(R"({"RoutingConfig":{}})", false, a));
  EXPECT_TRUE(a.additional_weights.empty());
  auto j = nlohmann::json::parse(alias_json(a, "us-east-1", "000000000000"));
  EXPECT_EQ(j["AliasArn"], "arn:aws:lambda:us-east-1:000000000000:function:f:live");
  EXPECT_FALSE(j.contains("RoutingConfig"));
}

TEST(VersionJson, RefusesAliasesAWSRefuses) {
  EXPECT_EQ(alias_refused(R"({"Name":"live"})").code, "ValidationException");
  EXPECT_EQ(alias_refused(R"({"Name":"123","FunctionVersion":"1"})").code, "ValidationException");
  EXPECT_EQ(alias_refused(R"({"Name":"a","FunctionVersion":"latest"})").code,
            "ValidationException");
  auto same = alias_refused(
      R"({"Name":"a","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"1":0.5}}})");
  EXPECT_EQ(same.code, "InvalidParameterValueException");
  EXPECT_EQ(same.message,
            "Invalid function version 1. Function version 1 is already included in routing "
            "configuration.");
  EXPECT_EQ(
      alias_refused(
          R"({"Name":"a","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":1.01}}})")
          .code,
      "ValidationException");
  EXPECT_EQ(
      alias_refused(
          R"({"Name":"a","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.1,"3":0.1}}})")
          .code,
      "InvalidParameterValueException");
  EXPECT_EQ(
      alias_refused(
          R"({"Name":"a","FunctionVersion":"$LATEST","RoutingConfig":{"AdditionalVersionWeights":{"2":0.1}}})")
          .code,
      "InvalidParameterValueException");
  EXPECT_EQ(alias_refused(R"({"RevisionId":"stale"})", false).code, "PreconditionFailedException");
  EXPECT_EQ(alias_refused(R"({"Name":"a","FunctionVersion":1})").code,
            "InvalidRequestContentException");
}

}  // namespace
}  // namespace lambdakit::platform::api
