// CreateFunction bodies: what parse_create takes and what it refuses, as AWS does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "function_json_cases.h"
#include "function_samples.h"
#include "platform/api/function_json.h"

namespace lambdakit::platform::api {
namespace {
using json = nlohmann::json;
using namespace cases;  // NOLINT(google-build-using-namespace): the shared test vocabulary
using samples::minimal_config;
using samples::role;

// The smallest valid CreateFunction body; cases change it with a JSON merge patch (a null
// member removes that member).
json minimal_create() {
  return {{"FunctionName", "hello"}, {"Role", role}, {"Code", {{"ZipFile", "aGVsbG8="}}}};
}
std::string create_body(const json& patch) {
  json j = minimal_create();
  j.merge_patch(patch);
  return j.dump();
}

TEST(ParseCreate, AcceptsValidRequests) {
  auto with = [](auto change) {
    function_config c = minimal_config();
    change(c);
    return c;
  };
  struct {
    const char* name;
    json patch;
    function_config expected;
  } cases[] = {
      {"minimal: a custom runtime by default", json::object(), minimal_config()},
      {"a 64-character name", {{"FunctionName", std::string(64, 'n')}}, with([](auto& c) {
         c.name = std::string(64, 'n');
       })},
      {"every name character", {{"FunctionName", "a_B-9"}}, with([](auto& c) {
         c.name = "a_B-9";
       })},
      {"a full ARN",
       {{"FunctionName", "arn:aws:lambda:us-east-1:123456789012:function:hello"}},
       minimal_config()},
      {"a partial ARN", {{"FunctionName", "123456789012:function:hello"}}, minimal_config()},
      {"a handler alone: no default runtime", {{"Handler", "bootstrap"}}, with([](auto& c) {
         c.runtime = "";
         c.handler = "bootstrap";
       })},
      {"a managed runtime",
       {{"Runtime", "python3.12"}, {"Handler", "app.handler"}},
       with([](auto& c) {
         c.runtime = "python3.12";
         c.handler = "app.handler";
       })},
      {"lowest limits", {{"Timeout", 1}, {"MemorySize", 128}}, with([](auto& c) {
         c.timeout_s = 1;
         c.memory_mb = 128;
       })},
      {"highest limits", {{"Timeout", 900}, {"MemorySize", 10240}}, with([](auto& c) {
         c.timeout_s = 900;
         c.memory_mb = 10240;
       })},
      {"ephemeral storage, both ends", {{"EphemeralStorage", {{"Size", 10240}}}}, with([](auto& c) {
         c.ephemeral_mb = 10240;
       })},
      {"ephemeral storage, the default", {{"EphemeralStorage", {{"Size", 512}}}}, with([](auto& c) {
         c.ephemeral_mb = 512;
       })},
      {"a description", {{"Description", "says hello"}}, with([](auto& c) {
         c.description = "says hello";
       })},
      {"variables",
       {{"Environment", {{"Variables", {{"GREETING", "hi there"}, {"n_2", ""}}}}}},
       with([](auto& c) {
         c.environment = {{"GREETING", "hi there"}, {"n_2", ""}};
       })},
      {"variables of exactly 4 KB",
       {{"Environment", {{"Variables", {{"BIG", std::string(4093, 'v')}}}}}},
       with([](auto& c) {
         c.environment = {{"BIG", std::string(4093, 'v')}};
       })},
      {"an environment without variables", {{"Environment", json::object()}}, minimal_config()},
      {"arm64", {{"Architectures", {"arm64"}}}, with([](auto& c) { c.architectures = {"arm64"}; })},
      {"x86_64", {{"Architectures", {"x86_64"}}}, minimal_config()},
      {"tags", {{"Tags", {{"team", "core"}, {"env", ""}}}}, with([](auto& c) {
         c.tags = {{"team", "core"}, {"env", ""}};
       })},
      {"PackageType Zip", {{"PackageType", "Zip"}}, minimal_config()},
      {"a service-role path",
       {{"Role", "arn:aws:iam::123456789012:role/service-role/my.role+1"}},
       with([](auto& c) { c.role = "arn:aws:iam::123456789012:role/service-role/my.role+1"; })},
      {"another partition", {{"Role", "arn:aws-cn:iam::123456789012:role/r"}}, with([](auto& c) {
         c.role = "arn:aws-cn:iam::123456789012:role/r";
       })},
      {"members lambdakit ignores",
       {{"Publish", true}, {"TracingConfig", {{"Mode", "Active"}}}, {"Layers", json::array()}},
       minimal_config()},
  };
  for (const auto& c : cases) {
    auto r = parse_create(create_body(c.patch));
    const auto* e = error_of(r);
    ASSERT_EQ(e, nullptr) << c.name << ": " << e->code << " " << e->message;
    const auto& req = *r;
    expect_config(req.config, c.expected, c.name);
    EXPECT_EQ(req.zip, "hello") << c.name;
  }
}

TEST(ParseCreate, RefusesInvalidRequestsAsAwsDoes) {
  std::vector<error_case> cases = {
      {"not JSON", "{", 400, content,
       "Could not parse request body into json: the body is not valid JSON"},
      {"empty body", "", 400, content,
       "Could not parse request body into json: the body is not valid JSON"},
      {"an array", "[]", 400, content,
       "Could not parse request body into json: expected a JSON object"},
      {"an unknown field", create_body({{"Handlr", "x"}}), 400, content,
       "Unknown field \"Handlr\" in the CreateFunction request"},
      {"a field of another operation", create_body({{"RevisionId", "x"}}), 400, content,
       "Unknown field \"RevisionId\" in the CreateFunction request"},
      {"name as a number", create_body({{"FunctionName", 5}}), 400, content,
       "Field FunctionName must be a string"},
      {"code as a string", create_body({{"Code", "x"}}), 400, content,
       "Field Code must be an object"},
      {"architectures as a string", create_body({{"Architectures", "x86_64"}}), 400, content,
       "Field Architectures must be an array"},
      {"tags as an array", create_body({{"Tags", json::array()}}), 400, content,
       "Field Tags must be an object"},
      {"publish as a string", create_body({{"Publish", "yes"}}), 400, content,
       "Field Publish must be a boolean"},
      {"no name", create_body({{"FunctionName", nullptr}}), 400, validation_code,
       "Missing required field FunctionName"},
      {"no role", create_body({{"Role", nullptr}}), 400, validation_code,
       "Missing required field Role"},
      {"no code", create_body({{"Code", nullptr}}), 400, validation_code,
       "Missing required field Code"},
      {"a space in the name", create_body({{"FunctionName", "my fn"}}), 400, validation_code,
       name_error("my fn")},
      {"an empty name", create_body({{"FunctionName", ""}}), 400, validation_code, name_error("")},
      {"a 65-character name", create_body({{"FunctionName", std::string(65, 'n')}}), 400,
       validation_code, name_error(std::string(65, 'n'))},
      {"a qualifier", create_body({{"FunctionName", "hello:prod"}}), 400, validation_code,
       name_error("hello:prod")},
      {"an ARN with a qualifier",
       create_body({{"FunctionName", "arn:aws:lambda:us-east-1:123456789012:function:hello:1"}}),
       400, validation_code, name_error("arn:aws:lambda:us-east-1:123456789012:function:hello:1")},
      {"PackageType Image", create_body({{"PackageType", "Image"}}), 400, parameter,
       "lambdakit serve runs Zip packages only, not PackageType Image"},
      {"an unknown architecture", create_body({{"Architectures", {"sparc"}}}), 400, validation_code,
       "Architectures must be [\"x86_64\"] or [\"arm64\"]"},
      {"an architecture that is no string", create_body({{"Architectures", {64}}}), 400,
       validation_code, "Architectures must be [\"x86_64\"] or [\"arm64\"]"},
      {"no architecture", create_body({{"Architectures", json::array()}}), 400, validation_code,
       "Architectures must hold exactly one value"},
      {"two architectures", create_body({{"Architectures", {"x86_64", "arm64"}}}), 400,
       validation_code, "Architectures must hold exactly one value"},
      {"a tag that is no string", create_body({{"Tags", {{"team", 5}}}}), 400, content,
       "Tag team must be a string"},
      {"code without a zip", create_body({{"Code", {{"ZipFile", nullptr}}}}), 400, parameter,
       "Code.ZipFile is required"},
      {"code from S3",
       create_body({{"Code", {{"ZipFile", nullptr}, {"S3Bucket", "b"}, {"S3Key", "k"}}}}), 400,
       parameter, "lambdakit serve takes code as ZipFile only (no S3 or container images)"},
      {"a container image", create_body({{"Code", {{"ZipFile", nullptr}, {"ImageUri", "i"}}}}), 400,
       parameter, "lambdakit serve takes code as ZipFile only (no S3 or container images)"},
      {"a zip that is no string", create_body({{"Code", {{"ZipFile", 5}}}}), 400, content,
       "Field ZipFile must be a base64 string"},
      {"a zip that is not base64", create_body({{"Code", {{"ZipFile", "not base64!"}}}}), 400,
       parameter, "Could not decode ZipFile: it is not base64"},
      {"unpadded base64", create_body({{"Code", {{"ZipFile", "aGVsbG8"}}}}), 400, parameter,
       "Could not decode ZipFile: it is not base64"},
  };
  for (const auto& c : common_errors()) {
    cases.push_back({c.name, create_body(c.patch), c.status, c.code, c.message});
  }
  for (const auto& c : cases) {
    auto r = parse_create(c.body);
    expect_error(error_of(r), c);
  }
}

TEST(ParseCreate, RefusesRuntimesTheServiceCannotRun) {
  for (const char* runtime : {"java21", "dotnet8", "ruby3.3", "PROVIDED"}) {
    auto r = parse_create(create_body({{"Runtime", runtime}, {"Handler", "h"}}));
    const auto* e = error_of(r);
    ASSERT_NE(e, nullptr) << runtime;
    EXPECT_EQ(e->status, 400) << runtime;
    EXPECT_EQ(e->code, parameter) << runtime;
    // The wording belongs to the runtime registry; it must name what was asked for.
    EXPECT_NE(e->message.find(runtime), std::string::npos) << e->message;
  }
}

}  // namespace
}  // namespace lambdakit::platform::api
