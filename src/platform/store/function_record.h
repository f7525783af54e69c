// How a function_config, alias_config, url_config or layer_version is kept in the database: a JSON
// record, read back with defaults for members an older lambdakit did not write.
#pragma once

#include <string>

#include "base/result.h"
#include "platform/function.h"

namespace lambdakit::platform::store {

std::string to_record(const function_config& f);
result<function_config> function_from_record(const std::string& text);

std::string to_record(const alias_config& a);
result<alias_config> alias_from_record(const std::string& text);

std::string to_record(const url_config& u);
result<url_config> url_from_record(const std::string& text);

std::string to_record(const layer_version& v);
result<layer_version> layer_from_record(const std::string& text);

}  // namespace lambdakit::platform::store
