#include "platform/api/function_json.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include "function_samples.h"

namespace lambdakit::platform::api {
namespace {
using json = nlohmann::json;
using samples::minimal_config;
using samples::role;
using samples::stored;

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

void expect_config(const function_config& got, const function_config& want, const char* name) {
  EXPECT_EQ(got.name, want.name) << name;
  EXPECT_EQ(got.runtime, want.runtime) << name;
  EXPECT_EQ(got.handler, want.handler) << name;
  EXPECT_EQ(got.role, want.role) << name;
  EXPECT_EQ(got.description, want.description) << name;
  EXPECT_EQ(got.timeout_s, want.timeout_s) << name;
  EXPECT_EQ(got.memory_mb, want.memory_mb) << name;
  EXPECT_EQ(got.ephemeral_mb, want.ephemeral_mb) << name;
  EXPECT_EQ(got.environment, want.environment) << name;
  EXPECT_EQ(got.tags, want.tags) << name;
  EXPECT_EQ(got.architectures, want.architectures) << name;
  EXPECT_EQ(got.package_type, want.package_type) << name;
  EXPECT_EQ(got.code_sha256, want.code_sha256) << name;
  EXPECT_EQ(got.code_size, want.code_size) << name;
  EXPECT_EQ(got.revision_id, want.revision_id) << name;
  EXPECT_EQ(got.reserved_concurrency, want.reserved_concurrency) << name;
}

struct error_case {
  const char* name;
  std::string body;
  int status;
  const char* code;
  std::string message;
};

// The error of a result, or null when it holds a value.
template <class T>
const service_error* error_of(const api_result<T>& r) {
  return r ? nullptr : &r.error();
}

void expect_error(const service_error* e, const error_case& c) {
  ASSERT_NE(e, nullptr) << c.name << ": accepted";
  EXPECT_EQ(e->status, c.status) << c.name;
  EXPECT_EQ(e->code, c.code) << c.name;
  EXPECT_EQ(e->message, c.message) << c.name;
  EXPECT_EQ(e->extra_json, "") << c.name;
}

constexpr const char* content = "InvalidRequestContentException";
constexpr const char* validation_code = "ValidationException";
constexpr const char* parameter = "InvalidParameterValueException";

std::string name_error(const std::string& name) {
  return "1 validation error detected: Value '" + name +
         "' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
         "expression pattern: [a-zA-Z0-9-_]{1,64} (or a function ARN)";
}
const std::string env_key_error =
    "1 validation error detected: Value at 'environment.variables' failed to satisfy "
    "constraint: Map keys must satisfy constraint: [Member must satisfy regular expression "
    "pattern: [a-zA-Z]([a-zA-Z0-9_])+]";
const std::string reserved_error =
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided contains reserved keys that are currently not supported for "
    "modification. Reserved keys used in this request: ";
const std::string too_big_error =
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided exceeded the 4KB limit. String measured: ";

// Errors shared by CreateFunction and UpdateFunctionConfiguration (apply_common), as patches.
struct common_error {
  const char* name;
  json patch;
  int status;
  const char* code;
  std::string message;
};

std::vector<common_error> common_errors() {
  return {
      {"role",
       {{"Role", "admin"}},
       400,
       validation_code,
       "1 validation error detected: Value 'admin' at 'role' failed to satisfy constraint: "
       "Member must satisfy regular expression pattern: "
       R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)"},
      {"role with a short account",
       {{"Role", "arn:aws:iam::12345:role/r"}},
       400,
       validation_code,
       "1 validation error detected: Value 'arn:aws:iam::12345:role/r' at 'role' failed to "
       "satisfy constraint: Member must satisfy regular expression pattern: "
       R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)"},
      {"timeout 0",
       {{"Timeout", 0}},
       400,
       validation_code,
       "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member "
       "must have value between 1 and 900"},
      {"timeout 901",
       {{"Timeout", 901}},
       400,
       validation_code,
       "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
       "Member must have value between 1 and 900"},
      {"timeout 2^63 (an unsigned JSON number), echoed as sent",
       {{"Timeout", 9223372036854775808ull}},
       400,
       validation_code,
       "1 validation error detected: Value '9223372036854775808' at 'timeout' failed to satisfy "
       "constraint: Member must have value between 1 and 900"},
      {"memory 2^64-1, echoed as sent",
       {{"MemorySize", 18446744073709551615ull}},
       400,
       validation_code,
       "1 validation error detected: Value '18446744073709551615' at 'memorySize' failed to "
       "satisfy constraint: Member must have value between 128 and 10240"},
      {"negative timeout",
       {{"Timeout", -1}},
       400,
       validation_code,
       "1 validation error detected: Value '-1' at 'timeout' failed to satisfy constraint: "
       "Member must have value between 1 and 900"},
      {"memory 127",
       {{"MemorySize", 127}},
       400,
       validation_code,
       "1 validation error detected: Value '127' at 'memorySize' failed to satisfy constraint: "
       "Member must have value between 128 and 10240"},
      {"memory 10241",
       {{"MemorySize", 10241}},
       400,
       validation_code,
       "1 validation error detected: Value '10241' at 'memorySize' failed to satisfy "
       "constraint: Member must have value between 128 and 10240"},
      {"ephemeral storage 511",
       {{"EphemeralStorage", {{"Size", 511}}}},
       400,
       validation_code,
       "1 validation error detected: Value '511' at 'ephemeralStorage.size' failed to satisfy "
       "constraint: Member must have value greater than or equal to 512"},
      {"ephemeral storage 10241",
       {{"EphemeralStorage", {{"Size", 10241}}}},
       400,
       validation_code,
       "1 validation error detected: Value '10241' at 'ephemeralStorage.size' failed to satisfy "
       "constraint: Member must have value less than or equal to 10240"},
      {"ephemeral storage without a size",
       {{"EphemeralStorage", json::object()}},
       400,
       content,
       "Field EphemeralStorage.Size must be an integer (MB, 512 to 10240)"},
      {"ephemeral storage with another field",
       {{"EphemeralStorage", {{"Size", 512}, {"Kind", "ssd"}}}},
       400,
       content,
       "Unknown field \"Kind\" in EphemeralStorage"},
      {"timeout as a string", {{"Timeout", "3"}}, 400, content, "Field Timeout must be an integer"},
      {"timeout as a fraction",
       {{"Timeout", 3.5}},
       400,
       content,
       "Field Timeout must be an integer"},
      {"memory as a boolean",
       {{"MemorySize", true}},
       400,
       content,
       "Field MemorySize must be an integer"},
      {"handler as a number", {{"Handler", 1}}, 400, content, "Field Handler must be a string"},
      {"description as an object",
       {{"Description", {{"a", 1}}}},
       400,
       content,
       "Field Description must be a string"},
      {"environment as an array",
       {{"Environment", json::array()}},
       400,
       content,
       "Field Environment must be an object"},
      {"variables as an array",
       {{"Environment", {{"Variables", json::array({"A=1"})}}}},
       400,
       content,
       "Field Environment.Variables must be an object"},
      {"a variable that is no string",
       {{"Environment", {{"Variables", {{"COUNT", 5}}}}}},
       400,
       content,
       "Environment variable COUNT must be a string"},
      {"a key starting with a digit",
       {{"Environment", {{"Variables", {{"1ABC", "x"}}}}}},
       400,
       validation_code,
       env_key_error},
      {"a one-letter key",
       {{"Environment", {{"Variables", {{"A", "x"}}}}}},
       400,
       validation_code,
       env_key_error},
      {"a key with a dash",
       {{"Environment", {{"Variables", {{"MY-VAR", "x"}}}}}},
       400,
       validation_code,
       env_key_error},
      // _HANDLER is reserved, but fails the key pattern first.
      {"_HANDLER",
       {{"Environment", {{"Variables", {{"_HANDLER", "x"}}}}}},
       400,
       validation_code,
       env_key_error},
      {"reserved keys, sorted",
       {{"Environment",
         {{"Variables", {{"MY_VAR", "z"}, {"LAMBDA_TASK_ROOT", "y"}, {"AWS_REGION", "x"}}}}}},
       400,
       parameter,
       reserved_error + "AWS_REGION,LAMBDA_TASK_ROOT"},
      {"credentials are reserved",
       {{"Environment", {{"Variables", {{"AWS_SECRET_ACCESS_KEY", "s"}}}}}},
       400,
       parameter,
       reserved_error + "AWS_SECRET_ACCESS_KEY"},
      {"over 4 KB",
       {{"Environment", {{"Variables", {{"BIG", std::string(4094, 'v')}}}}}},
       400,
       parameter,
       too_big_error + "4097"},
      {"over 4 KB in sum",
       {{"Environment",
         {{"Variables", {{"AB", std::string(2000, 'v')}, {"CD", std::string(2093, 'v')}}}}}},
       400,
       parameter,
       too_big_error + "4097"},
  };
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
      {"members lambdakit ignores",
       {{"TracingConfig", {{"Mode", "Active"}}}, {"Layers", {}}},
       stored()},
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
