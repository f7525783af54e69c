// The management API's JSON: requests to function_config (with AWS's validation rules), and
// function_config to FunctionConfiguration.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/api/errors.h"
#include "platform/function.h"

namespace lambdakit::platform::api {

struct create_request {
  function_config config;  // code fields not yet filled
  std::string zip;         // decoded Code.ZipFile
  bool publish = false;    // Publish: a version of it is published too
  // Layers: the version ARNs named, in order (checked for form only; see layers_api.cc).
  std::optional<std::vector<std::string>> layers;
};

struct code_update {
  std::string zip;  // decoded ZipFile
  bool publish = false;
  std::string revision_id;  // RevisionId: the update is refused unless $LATEST still has it
};

// Each returns the parsed request or the service error to answer with.
api_result<create_request> parse_create(const std::string& body);
api_result<code_update> parse_code_update(const std::string& body);
// Applies an UpdateFunctionConfiguration body to `config` (unchanged on error). Returns the
// Layers it names, when it names them, for the caller to resolve into config.layers.
api_result<std::optional<std::vector<std::string>>> apply_configuration(const std::string& body,
                                                                        function_config& config);
// ReservedConcurrentExecutions of PutFunctionConcurrency.
api_result<int> parse_concurrency(const std::string& body);

// FunctionConfiguration as AWS renders it. `arn_qualifier`, when not empty, ends FunctionArn
// (":3", ":live", ":$LATEST"): AWS qualifies it when the call named a version or alias.
std::string configuration_json(const function_config& f, const std::string& region,
                               const std::string& account, const std::string& arn_qualifier = {});
std::string function_arn(const std::string& name, const std::string& region,
                         const std::string& account);

// A function name or ARN as given in a path: name, name:qualifier, partial or full ARN.
struct function_ref {
  std::string name;
  std::string qualifier;  // empty when none
};
std::optional<function_ref> parse_function_ref(const std::string& decoded);

// Now, as LastModified ("2024-01-02T03:04:05.000+0000").
std::string timestamp_now();
std::string new_revision_id();

}  // namespace lambdakit::platform::api
