// `lambdakit package`: a function binary to the deployment zip its runtime expects, checked
// against the runtime's operating system before a byte is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace lambdakit::package {

enum class package_errc {
  unreadable_input = 1,  // the binary cannot be read
  not_a_binary,          // not an ELF executable
  unsupported_runtime,   // no layout for this runtime (yet)
  wont_start,            // the checks found reasons it would not start on the target
  too_large,             // over Lambda's 50 MB zipped / 250 MB unzipped
  unwritable_output,     // the zip cannot be written where asked
};
std::error_code make_error_code(package_errc e) noexcept;

struct package_options {
  std::filesystem::path binary;
  std::string runtime = "provided.al2023";
  std::string arch = "x86_64";  // Lambda's names: x86_64 or arm64
  std::filesystem::path output;
  // go1.x: the executable's name in the zip, which the function's Handler must name (default:
  // the binary's file name). Custom runtimes always get `bootstrap`.
  std::string handler;
  // The `bundle` strategy: ship the shared libraries and loader the binary uses on this machine
  // in lib/, and point the binary at them (see bundle.h).
  bool bundle_libraries = false;
  // Shared libraries a layer brings (at /opt/lib): the binary may need them although the
  // runtime's OS does not have them (their own checks were `lambdakit package --layer lib`'s).
  std::vector<std::string> from_layers;
};

struct package_report {
  std::filesystem::path zip;
  std::uint64_t zip_bytes = 0;
  std::uint64_t unzipped_bytes = 0;
  std::vector<std::string> entries;  // "bootstrap (0755, 851968 bytes)"
  std::string handler;               // what the function's Handler must be ("bootstrap": ignored)
  std::string linkage;               // "static" or "dynamic: libc.so.6 (GLIBC_2.34), ..."
};

// Writes the zip atomically (a temporary file beside it, renamed at the end): on any failure
// nothing is left at `output`. Errors list every problem found, each with its fix.
result<package_report> package_function(const package_options& options);

// Writes `bytes` to `output` through a temporary file beside it, renamed at the end.
result<void> write_atomically(const std::filesystem::path& output, const std::string& bytes);

}  // namespace lambdakit::package

template <>
struct std::is_error_code_enum<lambdakit::package::package_errc> : std::true_type {};
