// What the function_json tests share: comparing configurations, expected errors, and the
// errors CreateFunction and UpdateFunctionConfiguration give alike (apply_common).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platform/api/function_json.h"
#include "platform/function.h"

namespace lambdakit::platform::api::cases {
using json = nlohmann::json;

inline void expect_config(const function_config& got, const function_config& want,
                          const char* name) {
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

inline void expect_error(const service_error* e, const error_case& c) {
  ASSERT_NE(e, nullptr) << c.name << ": accepted";
  EXPECT_EQ(e->status, c.status) << c.name;
  EXPECT_EQ(e->code, c.code) << c.name;
  EXPECT_EQ(e->message, c.message) << c.name;
  EXPECT_EQ(e->extra_json, "") << c.name;
}

inline constexpr const char* content = "InvalidRequestContentException";
inline constexpr const char* validation_code = "ValidationException";
inline constexpr const char* parameter = "InvalidParameterValueException";

inline std::string name_error(const std::string& name) {
  return "1 validation error detected: Value '" + name +
         "' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
         "expression pattern: [a-zA-Z0-9-_]{1,64} (or a function ARN)";
}
inline const std::string env_key_error =
    "1 validation error detected: Value at 'environment.variables' failed to satisfy "
    "constraint: Map keys must satisfy constraint: [Member must satisfy regular expression "
    "pattern: [a-zA-Z]([a-zA-Z0-9_])+]";
inline const std::string reserved_error =
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided contains reserved keys that are currently not supported for "
    "modification. Reserved keys used in this request: ";
inline const std::string too_big_error =
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

inline std::vector<common_error> common_errors() {
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

}  // namespace lambdakit::platform::api::cases
