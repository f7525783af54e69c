// Sample functions shared by the function_json tests.
#pragma once

#include "platform/function.h"

namespace lambdakit::platform::api::samples {

inline constexpr const char* role = "arn:aws:iam::123456789012:role/lambda-role";

// The configuration minimal_create() gives.
inline function_config minimal_config() {
  function_config c;
  c.name = "hello";
  c.role = role;
  c.runtime = "provided.al2023";
  return c;
}

// A stored function, as UpdateFunctionConfiguration finds it.
inline function_config stored() {
  function_config c = minimal_config();
  c.environment = {{"OLD", "1"}};
  c.tags = {{"team", "core"}};
  c.architectures = {"arm64"};
  c.code_sha256 = "abc123";
  c.code_size = 42;
  c.revision_id = "rev-1";
  c.reserved_concurrency = 5;
  return c;
}

}  // namespace lambdakit::platform::api::samples
