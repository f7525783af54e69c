// Where `lambdakit deploy` finds AWS credentials and the region: the same places, in the same
// order, as the aws CLI and the SDKs (environment variables, then the shared credentials and
// config files of the profile AWS_PROFILE names, or "default").
#pragma once

#include <optional>
#include <string>

#include "aws/sigv4.h"

namespace lambdakit::aws {

struct found_credentials {
  credentials keys;
  std::string source;  // "environment" or "~/.aws/credentials [default]", for messages
};

std::optional<found_credentials> find_credentials();

// AWS_REGION, AWS_DEFAULT_REGION, then the profile's region in the config file; empty if none.
std::string find_region();

}  // namespace lambdakit::aws
