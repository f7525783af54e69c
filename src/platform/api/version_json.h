// The JSON of PublishVersion and the alias calls: requests (with AWS's validation rules and
// error texts) and AliasConfiguration.
#pragma once

#include <optional>
#include <string>

#include "platform/api/errors.h"
#include "platform/function.h"

namespace lambdakit::platform::api {

struct publish_request {
  std::optional<std::string> code_sha256;  // base64, as GetFunction reports it
  std::optional<std::string> description;  // the version's own; else $LATEST's
  std::optional<std::string> revision_id;
};
api_result<publish_request> parse_publish(const std::string& body);

// CreateAlias (`create`: Name and FunctionVersion required) or UpdateAlias (applied over `a`,
// which is unchanged on error; a RevisionId that is not a's is refused).
api_result<void> parse_alias(const std::string& body, bool create, alias_config& a);

// AliasConfiguration as AWS renders it.
std::string alias_json(const alias_config& a, const std::string& region,
                       const std::string& account);

// "1".."2147483647" as a number; nullopt for anything else ("$LATEST", "01", an alias).
std::optional<int> version_number(const std::string& s);
// An alias name AWS accepts: 1..128 of [a-zA-Z0-9_-], not all digits.
bool is_alias_name(const std::string& s);

}  // namespace lambdakit::platform::api
