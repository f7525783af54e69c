// lambdakit's Node.js stdio host (hosts/nodejs), compiled into the CLI so `lambdakit package
// --runtime nodejs*` writes it into every zip, wherever the CLI runs. The zip then holds the
// function binary as `function`, and the Handler is index.handler.
#pragma once

#include <span>
#include <string_view>

namespace lambdakit::package {

struct host_file {
  std::string_view name;  // its path in the zip
  std::string_view text;
};

inline constexpr std::string_view stdio_binary_name = "function";
inline constexpr std::string_view stdio_handler = "index.handler";

// index.mjs and host.mjs, as in hosts/nodejs of the lambdakit that built this CLI.
std::span<const host_file> nodejs_host_files();

}  // namespace lambdakit::package
