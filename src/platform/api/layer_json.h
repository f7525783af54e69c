// The JSON of the layer calls (PublishLayerVersion, GetLayerVersion, ListLayers, ...): requests
// with AWS's validation rules and texts, layer ARNs, and LayerVersion as AWS renders it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/api/errors.h"
#include "platform/function.h"

namespace lambdakit::platform::api {

struct publish_layer_request {
  layer_version version;  // its name, description, compatibility and licence (no number yet)
  std::string zip;        // decoded Content.ZipFile
};
// PublishLayerVersion's body for the layer `name` (already checked by layer_name_of).
api_result<publish_layer_request> parse_publish_layer(const std::string& body,
                                                      const std::string& name);

// arn:aws:lambda:REGION:ACCOUNT:layer:NAME[:VERSION]
struct layer_arn {
  std::string region;
  std::string account;
  std::string name;
  int version = 0;  // 0: the ARN names the layer, not a version
};
std::optional<layer_arn> parse_layer_arn(std::string_view s);

// A LayerName as a path gives it (a name, or a layer ARN without a version): the name, or the
// ValidationException AWS answers.
api_result<std::string> layer_name_of(const std::string& s);
// A VersionNumber from a path, or AWS's error for it.
api_result<int> layer_version_number(const std::string& s);

std::string layer_arn_of(const std::string& name, const std::string& region,
                         const std::string& account);
std::string layer_version_arn_of(const layer_version& v, const std::string& region,
                                 const std::string& account);

// GetLayerVersionResponse (with Content; `location` is Content.Location), or, without
// `location`, a LayerVersionsListItem (ListLayerVersions, ListLayers' LatestMatchingVersion).
std::string layer_version_json(const layer_version& v, const std::string& region,
                               const std::string& account,
                               const std::optional<std::string>& location);

// Whether `v` matches ListLayers / ListLayerVersions' CompatibleRuntime and
// CompatibleArchitecture filters (an absent filter matches everything).
bool layer_matches(const layer_version& v, const std::optional<std::string>& runtime,
                   const std::optional<std::string>& architecture);

}  // namespace lambdakit::platform::api
