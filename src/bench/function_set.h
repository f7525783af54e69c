// The functions an experiment measures: a manifest (one tab-separated line per function: name,
// runtime, handler, zip, description; '#' starts a comment) written by scripts/bench-functions,
// and each function's code, read once so that every round can deploy it afresh.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "package/zip_writer.h"

namespace lambdakit::bench {

struct function_spec {
  std::string name;     // "cpp-provided.al2023", "go-go1.x": <language>-<runtime>[-<variant>]
  std::string runtime;  // as CreateFunction takes it
  std::string handler;
  std::filesystem::path zip;  // relative paths are relative to the manifest
  std::string description;    // what it is built with, for the report
};

// The manifest's functions, in its order. A malformed line fails with its number and the fix.
result<std::vector<function_spec>> read_manifest(const std::filesystem::path& manifest);

// The functions scripts/bench-functions could not build because their toolchain is missing:
// its "# missing: NAME: why" lines, as "NAME: why".
std::vector<std::string> missing_functions(const std::filesystem::path& manifest);

// The functions whose name is in `wanted` (comma-separated names or prefixes ending in '*'),
// in the manifest's order; a name that matches none fails, listing the names there are.
result<std::vector<function_spec>> select_functions(const std::vector<function_spec>& all,
                                                    std::string_view wanted);

// One function's code: the files of its zip, with the sizes of the zip as built.
struct function_code {
  std::vector<package::zip_entry> files;
  std::uint64_t zip_bytes = 0;
  std::uint64_t unzipped_bytes = 0;
};

// Reads the zip (checked and extracted as the service would, under `scratch`).
result<function_code> load_code(const function_spec& f, const std::filesystem::path& scratch);

// The function's zip with one more file, `.lambdakit-nonce`, holding `nonce`: a deployment no
// cache can have seen (the study put random bytes in each zip for the same reason).
std::string fresh_zip(const function_code& code, std::string_view nonce);

}  // namespace lambdakit::bench
