// UpdateFunctionCode, UpdateFunctionConfiguration and PutFunctionConcurrency bodies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "function_json_cases.h"
#include "function_samples.h"
#include "platform/api/function_json.h"

namespace lambdakit::platform::api {
namespace {
using json = nlohmann::json;
using namespace cases;  // NOLINT(google-build-using-namespace): the shared test vocabulary
using samples::role;
using samples::stored;

TEST(ParseCodeUpdate, TakesAZipFile) {
  struct {
    const char* name;
    json body;
    std::string zip;
  } cases[] = {
      {"a zip", {{"ZipFile", "aGVsbG8="}}, "hello"},
      {"an empty zip", {{"ZipFile", ""}}, ""},
      {"every other member AWS defines",
       {{"ZipFile", "aGk="},
        {"Publish", false},
        {"DryRun", false},
        {"RevisionId", "r"},
        {"Architectures", {"x86_64"}}},
       "hi"},
  };
  for (const auto& c : cases) {
    auto r = parse_code_update(c.body.dump());
    const auto* e = error_of(r);
    ASSERT_EQ(e, nullptr) << c.name << ": " << e->message;
    EXPECT_EQ(r->zip, c.zip) << c.name;
  }
}

TEST(ParseCodeUpdate, RefusesInvalidRequests) {
  error_case cases[] = {
      {"not JSON", "nope", 400, content,
       "Could not parse request body into json: the body is not valid JSON"},
      {"a string", "\"ZipFile\"", 400, content,
       "Could not parse request body into json: expected a JSON object"},
      {"a CreateFunction body", R"({"Code":{"ZipFile":"aGk="}})", 400, content,
       "Unknown field \"Code\" in the UpdateFunctionCode request"},
      {"no zip", "{}", 400, parameter, "Code.ZipFile is required"},
      {"from S3", R"({"S3Bucket":"b","S3Key":"k"})", 400, parameter,
       "lambdakit serve takes code as ZipFile only (no S3 or container images)"},
      {"a zip that is no string", R"({"ZipFile":["aGk="]})", 400, content,
       "Field ZipFile must be a base64 string"},
      {"not base64", R"({"ZipFile":"***="})", 400, parameter,
       "Could not decode ZipFile: it is not base64"},
      {"dry run as a string", R"({"ZipFile":"aGk=","DryRun":"no"})", 400, content,
       "Field DryRun must be a boolean"},
      {"revision as a number", R"({"ZipFile":"aGk=","RevisionId":1})", 400, content,
       "Field RevisionId must be a string"},
  };
  for (const auto& c : cases) {
    auto r = parse_code_update(c.body);
    expect_error(error_of(r), c);
  }
}

TEST(ApplyConfiguration, ChangesOnlyWhatTheBodyNames) {
  auto with = [](auto change) {
    function_config c = stored();
    change(c);
    return c;
  };
  struct {
    const char* name;
    json body;
    function_config expected;
  } cases[] = {
      {"nothing", json::object(), stored()},
      {"limits", {{"Timeout", 30}, {"MemorySize", 512}}, with([](auto& c) {
         c.timeout_s = 30;
         c.memory_mb = 512;
       })},
      {"variables are replaced, not merged",
       {{"Environment", {{"Variables", {{"NEW", "2"}}}}}},
       with([](auto& c) {
         c.environment = {{"NEW", "2"}};
       })},
      {"no variables clears them", {{"Environment", json::object()}}, with([](auto& c) {
         c.environment.clear();
       })},
      {"empty variables clear them",
       {{"Environment", {{"Variables", json::object()}}}},
       with([](auto& c) { c.environment.clear(); })},
      {"runtime, handler, description",
       {{"Runtime", "python3.12"}, {"Handler", "app.handler"}, {"Description", "d"}},
       with([](auto& c) {
         c.runtime = "python3.12";
         c.handler = "app.handler";
         c.description = "d";
       })},
      {"role", {{"Role", "arn:aws:iam::123456789012:role/other"}}, with([](auto& c) {
         c.role = "arn:aws:iam::123456789012:role/other";
       })},
      {"the current revision", {{"RevisionId", "rev-1"}, {"Timeout", 5}}, with([](auto& c) {
         c.timeout_s = 5;
       })},
      {"members lambdakit ignores", {{"TracingConfig", {{"Mode", "Active"}}}}, stored()},
      // Layers are the caller's to resolve (layers_api.cc): the configuration is unchanged.
      {"no layers", {{"Layers", json::array()}}, stored()},
  };
  for (const auto& c : cases) {
    function_config f = stored();
    auto r = apply_configuration(c.body.dump(), f);
    const auto* e = error_of(r);
    ASSERT_EQ(e, nullptr) << c.name << ": " << e->code << " " << e->message;
    expect_config(f, c.expected, c.name);
  }
}

TEST(ApplyConfiguration, RefusesInvalidRequests) {
  auto body = [](const json& j) { return j.dump(); };
  std::vector<error_case> cases = {
      {"not JSON", "{\"Timeout\":", 400, content,
       "Could not parse request body into json: the body is not valid JSON"},
      {"a number", "5", 400, content,
       "Could not parse request body into json: expected a JSON object"},
      {"the name", body({{"FunctionName", "other"}}), 400, content,
       "Unknown field \"FunctionName\" in the UpdateFunctionConfiguration request"},
      {"architectures", body({{"Architectures", {"x86_64"}}}), 400, content,
       "Unknown field \"Architectures\" in the UpdateFunctionConfiguration request"},
      {"code", body({{"ZipFile", "aGk="}}), 400, content,
       "Unknown field \"ZipFile\" in the UpdateFunctionConfiguration request"},
      {"another revision", body({{"RevisionId", "rev-0"}, {"Timeout", 30}}), 412,
       "PreconditionFailedException",
       "The Revision Id provided does not match the latest Revision Id. Call the "
       "GetFunction/GetAlias API to retrieve the latest Revision Id"},
      {"a revision that is no string", body({{"RevisionId", 1}}), 400, content,
       "Field RevisionId must be a string"},
  };
  for (const auto& c : common_errors()) {
    cases.push_back({c.name, c.patch.dump(), c.status, c.code, c.message});
  }
  for (const auto& c : cases) {
    function_config f = stored();
    auto r = apply_configuration(c.body, f);
    expect_error(error_of(r), c);
    expect_config(f, stored(), c.name);  // all or nothing
  }
}

// A refused update changes nothing, however many of its fields were valid before the error.
TEST(ApplyConfiguration, IsAllOrNothing) {
  struct {
    const char* name;
    json body;
    int status;
  } cases[] = {
      {"a stale revision", {{"RevisionId", "rev-0"}, {"Timeout", 30}, {"MemorySize", 512}}, 412},
      {"a bad memory size after a good timeout", {{"Timeout", 30}, {"MemorySize", 1}}, 400},
      {"a bad role before good limits",
       {{"Role", "admin"}, {"Timeout", 30}, {"Handler", "h"}, {"Description", "d"}},
       400},
      {"an unknown runtime", {{"Runtime", "java21"}, {"Handler", "h"}}, 400},
      {"reserved variables", {{"Environment", {{"Variables", {{"AWS_REGION", "x"}}}}}}, 400},
  };
  for (const auto& c : cases) {
    function_config f = stored();
    auto r = apply_configuration(c.body.dump(), f);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().status, c.status) << c.name;
    expect_config(f, stored(), c.name);
  }
}

TEST(ParseConcurrency, TakesZeroTo1000) {
  struct {
    std::string body;
    std::optional<int> value;  // nullopt: refused with `code` and `message`
    const char* code;
    const char* message;
  } cases[] = {
      {R"({"ReservedConcurrentExecutions":0})", 0, "", ""},
      {R"({"ReservedConcurrentExecutions":10})", 10, "", ""},
      {R"({"ReservedConcurrentExecutions":1000})", 1000, "", ""},
      {R"({"ReservedConcurrentExecutions":1001})", std::nullopt, validation_code,
       "ReservedConcurrentExecutions must be between 0 and 1000"},
      {R"({"ReservedConcurrentExecutions":-1})", std::nullopt, validation_code,
       "ReservedConcurrentExecutions must be between 0 and 1000"},
      {R"({"ReservedConcurrentExecutions":"5"})", std::nullopt, validation_code,
       "ReservedConcurrentExecutions is required and must be an integer"},
      {R"({"ReservedConcurrentExecutions":2.5})", std::nullopt, validation_code,
       "ReservedConcurrentExecutions is required and must be an integer"},
      {"{}", std::nullopt, validation_code,
       "ReservedConcurrentExecutions is required and must be an integer"},
      {"[5]", std::nullopt, content, "Could not parse request body into json"},
      {"five", std::nullopt, content, "Could not parse request body into json"},
  };
  for (const auto& c : cases) {
    auto r = parse_concurrency(c.body);
    if (c.value) {
      ASSERT_TRUE(r) << c.body << ": " << r.error().message;
      EXPECT_EQ(*r, *c.value) << c.body;
    } else {
      expect_error(error_of(r), {c.body.c_str(), c.body, 400, c.code, c.message});
    }
  }
}

}  // namespace
}  // namespace lambdakit::platform::api
