// The JSON of the function URL calls (Create/Get/Update/Delete/ListFunctionUrlConfigs):
// requests with AWS's validation rules, and FunctionUrlConfig.
#pragma once

#include <string>

#include "platform/api/errors.h"
#include "platform/function.h"

namespace lambdakit::platform::api {

// Applies a CreateFunctionUrlConfig (`create`: AuthType required) or UpdateFunctionUrlConfig
// body to `u` (unchanged on error).
api_result<void> parse_url_config(const std::string& body, bool create, url_config& u);

// FunctionUrlConfig as AWS renders it; `url` is the endpoint, `function_arn` qualified when the
// URL is an alias's. LastModifiedTime only when `with_last_modified` (Create does not send it).
std::string url_config_json(const url_config& u, const std::string& url,
                            const std::string& function_arn, bool with_last_modified);

// Now, as FunctionUrlConfig's times ("2024-01-02T03:04:05.123456Z").
std::string url_timestamp_now();

// A new URL id: 32 lowercase letters and digits.
std::string new_url_id();

}  // namespace lambdakit::platform::api
