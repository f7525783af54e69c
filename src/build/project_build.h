// `lambdakit build`: a user's CMake project compiled for a Lambda target. The lambdakit runtime
// library is first built from its sources with the same toolchain (once per toolchain, in a
// cache), then the project is configured against it and built; lambdakit_add_function() records
// each function it defines, and those records are what the build reports.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "build/toolchain.h"

namespace lambdakit::build {

struct build_options {
  std::filesystem::path project_dir = ".";
  std::string runtime = "provided.al2023";
  std::string arch = "x86_64";
  std::optional<strategy> requested;  // empty: the best available
  std::string build_type = "Release";
  std::filesystem::path lambdakit_source;  // lambdakit's own sources (for the runtime library)
  std::filesystem::path cli;               // the lambdakit executable the zips are made with
  std::filesystem::path cache_dir;         // empty: default_cache_dir()
};

struct built_function {
  std::string name;
  std::filesystem::path binary;
  std::filesystem::path zip;  // made by the build (the <name>_zip target), checked
  std::string runtime;
  std::string arch;
};

struct build_report {
  toolchain used;
  std::filesystem::path build_dir;
  std::vector<built_function> functions;
};

// $LAMBDAKIT_CACHE_DIR, else $XDG_CACHE_HOME/lambdakit, else ~/.cache/lambdakit.
std::filesystem::path default_cache_dir();

result<build_report> build_project(const build_options& options);

}  // namespace lambdakit::build
