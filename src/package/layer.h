// `lambdakit package --layer lib|extension`: the zip of a Lambda layer holding C++ shared
// libraries (in lib/, on every runtime's LD_LIBRARY_PATH as /opt/lib) or external extensions
// (in extensions/, which Lambda starts from /opt/extensions before the runtime), checked
// against the runtime's operating system as function binaries are.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "package/packager.h"

namespace lambdakit::package {

enum class layer_kind { library, extension };

struct layer_options {
  layer_kind kind = layer_kind::library;
  std::vector<std::filesystem::path> files;  // shared libraries, or extension executables
  std::string runtime = "provided.al2023";   // whose OS the binaries must run on
  std::string arch = "x86_64";
  std::filesystem::path output;
};

// "lib" or "extension" to a kind; false for anything else.
bool parse_layer_kind(const std::string& s, layer_kind& out);

// Writes the zip atomically; errors list every problem found, each with its fix.
result<package_report> package_layer(const layer_options& options);

}  // namespace lambdakit::package
