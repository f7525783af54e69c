// function_json's other half: function references and ARNs, FunctionConfiguration as AWS
// renders it, LastModified timestamps and revision ids. (Request parsing: function_json_test.cc.)
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include "function_samples.h"
#include "platform/api/function_json.h"

namespace lambdakit::platform::api {
namespace {
using json = nlohmann::json;
using samples::minimal_config;
using samples::role;
using samples::stored;

TEST(FunctionRef, ParsesNamesQualifiersAndArns) {
  const std::string arn = "arn:aws:lambda:us-east-1:123456789012:function:";
  struct {
    std::string text;
    std::optional<function_ref> ref;
  } cases[] = {
      {"hello", function_ref{"hello", ""}},
      {"hello:prod", function_ref{"hello", "prod"}},
      {"hello:$LATEST", function_ref{"hello", "$LATEST"}},
      {"hello:1", function_ref{"hello", "1"}},
      {"123456789012:function:hello", function_ref{"hello", ""}},
      {"123456789012:function:hello:v2", function_ref{"hello", "v2"}},
      {arn + "hello", function_ref{"hello", ""}},
      {arn + "hello:$LATEST", function_ref{"hello", "$LATEST"}},
      {"arn:aws-cn:lambda:cn-north-1:123456789012:function:hello", function_ref{"hello", ""}},
      {"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:a_b-C",
       function_ref{"a_b-C", ""}},
      {std::string(64, 'n'), function_ref{std::string(64, 'n'), ""}},
      {"hello:" + std::string(128, 'q'), function_ref{"hello", std::string(128, 'q')}},
      {"", std::nullopt},
      {"hello:", std::nullopt},
      {":prod", std::nullopt},
      {"hello:prod:extra", std::nullopt},
      {arn + "hello:1:extra", std::nullopt},
      {arn, std::nullopt},
      {"my fn", std::nullopt},
      {"hello.world", std::nullopt},
      {"hello:pr/od", std::nullopt},
      {std::string(65, 'n'), std::nullopt},
      {"hello:" + std::string(129, 'q'), std::nullopt},
      {"12345:function:hello", std::nullopt},                         // not a 12-digit account
      {"arn:aws:lambda::123456789012:function:hello", std::nullopt},  // no region
      {"arn:aws:lambda:us-east-1:123456789012:layer:hello", std::nullopt},
      {"arn:aws:s3:us-east-1:123456789012:function:hello", std::nullopt},
  };
  for (const auto& c : cases) {
    auto ref = parse_function_ref(c.text);
    ASSERT_EQ(ref.has_value(), c.ref.has_value()) << '"' << c.text << '"';
    if (ref) {
      EXPECT_EQ(ref->name, c.ref->name) << c.text;
      EXPECT_EQ(ref->qualifier, c.ref->qualifier) << c.text;
    }
  }
}

TEST(FunctionArn, IsTheLambdaArnOfTheName) {
  struct {
    const char *name, *region, *account, *arn;
  } cases[] = {
      {"hello", "us-east-1", "123456789012",
       "arn:aws:lambda:us-east-1:123456789012:function:hello"},
      {"a_b-C", "eu-west-3", "000000000000",
       "arn:aws:lambda:eu-west-3:000000000000:function:a_b-C"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(function_arn(c.name, c.region, c.account), c.arn);
    // ...which parse_function_ref reads back.
    auto ref = parse_function_ref(c.arn);
    ASSERT_TRUE(ref) << c.arn;
    EXPECT_EQ(ref->name, c.name);
  }
}

TEST(ConfigurationJson, RendersFunctionConfigurationAsAwsDoes) {
  function_config f = stored();
  f.runtime = "python3.12";
  f.handler = "app.handler";
  f.description = "says hello";
  f.timeout_s = 30;
  f.memory_mb = 256;
  f.environment = {{"A1", "x"}, {"B2", "y \"quoted\""}};
  f.code_sha256_base64 = "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=";
  f.last_modified = "2024-01-02T03:04:05.000+0000";
  json want = {
      {"FunctionName", "hello"},
      {"FunctionArn", "arn:aws:lambda:eu-west-1:123456789012:function:hello"},
      {"Runtime", "python3.12"},
      {"Role", role},
      {"Handler", "app.handler"},
      {"CodeSize", 42},
      {"Description", "says hello"},
      {"Timeout", 30},
      {"MemorySize", 256},
      {"LastModified", "2024-01-02T03:04:05.000+0000"},
      {"CodeSha256", "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="},
      {"Version", "$LATEST"},
      {"Environment", {{"Variables", {{"A1", "x"}, {"B2", "y \"quoted\""}}}}},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"RevisionId", "rev-1"},
      {"State", "Active"},
      {"LastUpdateStatus", "Successful"},
      {"PackageType", "Zip"},
      {"Architectures", {"arm64"}},
      {"EphemeralStorage", {{"Size", 512}}},
      {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
      {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/hello"}}},
  };
  json got = json::parse(configuration_json(f, "eu-west-1", "123456789012"));
  EXPECT_EQ(got, want);
}

TEST(ConfigurationJson, LeavesOutAnEmptyRuntimeAndEnvironment) {
  function_config f = minimal_config();
  f.runtime.clear();
  json got = json::parse(configuration_json(f, "us-east-1", "123456789012"));
  EXPECT_FALSE(got.contains("Runtime")) << got;
  EXPECT_FALSE(got.contains("Environment")) << got;
  EXPECT_EQ(got["Handler"], "");
  EXPECT_EQ(got["Timeout"], 3);
  EXPECT_EQ(got["MemorySize"], 128);
  EXPECT_EQ(got["Architectures"], json({"x86_64"}));
}

TEST(TimestampNow, IsLastModifiedFormatInUtc) {
  auto seconds = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  auto before = seconds(std::chrono::system_clock::now());
  std::string ts = timestamp_now();
  auto after = seconds(std::chrono::system_clock::now());
  ASSERT_TRUE(
      std::regex_match(ts, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000)")))
      << ts;
  std::tm tm{};
  ASSERT_NE(::strptime(ts.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << ts;
  auto at = ::timegm(&tm);
  EXPECT_GE(at, before) << ts;
  EXPECT_LE(at, after) << ts;
}

TEST(NewRevisionId, IsAFreshUuid) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    std::string id = new_revision_id();
    EXPECT_TRUE(std::regex_match(
        id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace lambdakit::platform::api
