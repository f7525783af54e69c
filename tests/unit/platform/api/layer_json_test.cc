#include "platform/api/layer_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "wire/base64.h"

namespace lambdakit::platform::api {
namespace {
using json = nlohmann::json;

TEST(layer_json, ParsesLayerArnsWithAndWithoutVersion) {
  auto v = parse_layer_arn("arn:aws:lambda:us-east-1:123456789012:layer:my-lib:7");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->region, "us-east-1");
  EXPECT_EQ(v->account, "123456789012");
  EXPECT_EQ(v->name, "my-lib");
  EXPECT_EQ(v->version, 7);
  auto l = parse_layer_arn("arn:aws:lambda:eu-west-1:123456789012:layer:x");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->version, 0);
  for (const char* bad : {"", "my-lib", "arn:aws:lambda:us-east-1:12345:layer:x:1",
                          "arn:aws:lambda:us-east-1:123456789012:function:x:1",
                          "arn:aws:lambda:us-east-1:123456789012:layer:x:0",
                          "arn:aws:lambda:us-east-1:123456789012:layer:x:one",
                          "arn:aws:lambda:us-east-1:123456789012:layer:a/b:1",
                          "arn:aws:lambda:us-east-1:123456789012:layer:x:1:2"}) {
    EXPECT_FALSE(parse_layer_arn(bad)) << bad;
  }
}

TEST(layer_json, LayerNamesAndVersionNumbersAsAwsChecksThem) {
  EXPECT_EQ(*layer_name_of("my_lib-2"), "my_lib-2");
  EXPECT_EQ(*layer_name_of("arn:aws:lambda:us-east-1:123456789012:layer:my"), "my");
  auto bad = layer_name_of("no spaces");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "ValidationException");
  EXPECT_NE(bad.error().message.find("at 'layerName'"), std::string::npos);
  EXPECT_FALSE(layer_name_of("arn:aws:lambda:us-east-1:123456789012:layer:my:1"));
  EXPECT_EQ(*layer_version_number("12"), 12);
  auto zero = layer_version_number("0");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, "InvalidParameterValueException");
  EXPECT_EQ(zero.error().message, "Layer Version Cannot be less than 1");
  EXPECT_EQ(layer_version_number("-3").error().message, "Layer Version Cannot be less than 1");
  EXPECT_EQ(layer_version_number("x").error().code, "ValidationException");
}

TEST(layer_json, PublishTakesAwsFieldsAndRefusesTheRest) {
  std::string zip = "PK\x05\x06" + std::string(18, '\0');
  json body = {{"Description", "d"},
               {"CompatibleRuntimes", {"provided.al2023", "python3.12"}},
               {"CompatibleArchitectures", {"x86_64"}},
               {"LicenseInfo", "MIT"},
               {"Content", {{"ZipFile", wire::base64::encode(zip)}}}};
  auto r = parse_publish_layer(body.dump(), "lib");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->version.name, "lib");
  EXPECT_EQ(r->version.description, "d");
  EXPECT_EQ(r->version.compatible_runtimes.size(), 2u);
  EXPECT_EQ(r->version.license_info, "MIT");
  EXPECT_EQ(r->zip, zip);

  struct bad_case {
    json body;
    std::string code;
    std::string says;
  };
  for (const auto& c : std::vector<bad_case>{
           {json::object(), "ValidationException", "at 'content'"},
           {{{"Content", {{"S3Bucket", "b"}}}}, "InvalidParameterValueException", "ZipFile only"},
           {{{"Content", {{"ZipFile", "!!"}}}}, "InvalidParameterValueException", "not base64"},
           {{{"Content", {{"ZipFile", ""}}}, {"Bogus", 1}},
            "InvalidRequestContentException",
            "Bogus"},
           {{{"Content", {{"ZipFile", ""}}}, {"Description", std::string(257, 'd')}},
            "ValidationException",
            "at 'description'"},
           {{{"Content", {{"ZipFile", ""}}}, {"CompatibleArchitectures", {"sparc"}}},
            "ValidationException",
            "[x86_64, arm64]"},
           {{{"Content", {{"ZipFile", ""}}}, {"CompatibleRuntimes", {"cobol9"}}},
            "ValidationException",
            "at 'compatibleRuntimes'"},
           {{{"Content", {{"ZipFile", ""}}},
             {"CompatibleRuntimes", std::vector<std::string>(16, "python3.12")}},
            "ValidationException",
            "less than or equal to 15"}}) {
    auto bad = parse_publish_layer(c.body.dump(), "lib");
    ASSERT_FALSE(bad) << c.body.dump();
    EXPECT_EQ(bad.error().code, c.code) << c.body.dump();
    EXPECT_NE(bad.error().message.find(c.says), std::string::npos) << bad.error().message;
  }
}

TEST(layer_json, RendersLayerVersionsAsAwsDoes) {
  layer_version v;
  v.name = "lib";
  v.version = 3;
  v.created_date = "2026-12-06T10:00:00.000+0000";
  v.code_sha256_base64 = "abc=";
  v.code_size = 42;
  v.compatible_runtimes = {"provided.al2023"};
  json full = json::parse(layer_version_json(v, "us-east-1", "000000000000", "file:///x"));
  EXPECT_EQ(full["LayerArn"], "arn:aws:lambda:us-east-1:000000000000:layer:lib");
  EXPECT_EQ(full["LayerVersionArn"], "arn:aws:lambda:us-east-1:000000000000:layer:lib:3");
  EXPECT_EQ(full["Content"]["CodeSha256"], "abc=");
  EXPECT_EQ(full["Content"]["CodeSize"], 42);
  EXPECT_EQ(full["Description"], "");
  EXPECT_EQ(full["CompatibleArchitectures"], json::array());
  EXPECT_FALSE(full.contains("LicenseInfo"));
  json item = json::parse(layer_version_json(v, "us-east-1", "000000000000", std::nullopt));
  EXPECT_FALSE(item.contains("Content"));
  EXPECT_FALSE(item.contains("LayerArn"));
  EXPECT_EQ(item["Version"], 3);
  EXPECT_TRUE(layer_matches(v, std::string("provided.al2023"), std::nullopt));
  EXPECT_FALSE(layer_matches(v, std::string("python3.12"), std::nullopt));
  EXPECT_FALSE(layer_matches(v, std::nullopt, std::string("arm64")));
}

}  // namespace
}  // namespace lambdakit::platform::api
