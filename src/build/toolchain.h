// The three ways lambdakit builds a binary that starts on Lambda's (older) glibc, and how to find
// the tools each needs on this machine. docs/build.md compares them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lambdakit::build {

enum class strategy {
  zig,     // zig c++ --target <arch>-linux-gnu.<target glibc>: links against the target's glibc
  bundle,  // system compiler; the shared libraries and the loader it used ship in the zip
  static_link,  // system compiler, -static: no shared libraries at all (NSS caveats)
};
std::string_view name(strategy s);
std::optional<strategy> parse_strategy(std::string_view text);

enum class build_errc {
  no_project = 1,      // no CMakeLists.txt where the build was asked
  no_toolchain,        // the strategy's tools are not on this machine
  unsupported_target,  // runtime or architecture lambdakit cannot build for
  tool_failed,         // cmake, the compiler or patchelf failed
  no_functions,        // the project built, but defines no lambdakit function
};
std::error_code make_error_code(build_errc e) noexcept;

struct toolchain {
  strategy kind = strategy::zig;
  std::string runtime;               // provided.al2023, ...
  std::string arch;                  // Lambda's names: x86_64 or arm64
  std::string glibc;                 // the target OS's glibc, e.g. "2.34"
  std::filesystem::path zig;         // zig: the compiler driver
  std::string triple;                // zig: x86_64-linux-gnu.2.34
  std::filesystem::path c_compiler;  // bundle/static: the system (or cross) compilers
  std::filesystem::path cxx_compiler;
  std::filesystem::path emulator;  // a foreign --arch: qemu-user to run tests, if present
  std::filesystem::path sysroot;   // ... and the target's libraries for it

  // "zig (x86_64-linux-gnu.2.34)", "bundle (/usr/bin/g++ + patchelf)", ...
  std::string describe() const;
  // A short key naming this toolchain's runtime library in cache paths:
  // "zig-x86_64-linux-gnu.2.34", "system-x86_64" (bundle and static share it).
  std::string key() const;
};

// The zig compiler: $LAMBDAKIT_ZIG, `zig` in PATH, or the one the PyPI package `ziglang` ships.
std::optional<std::filesystem::path> find_zig();

// The toolchain for `strategy` (or, when not given, the first available of zig, bundle, static)
// building for `runtime` on `arch`. Errors name what to install.
result<toolchain> find_toolchain(std::optional<strategy> requested, const std::string& runtime,
                                 const std::string& arch);

// Writes the CMake toolchain file (and, for zig, the small compiler wrappers it points at)
// into `dir`; returns the toolchain file's path.
result<std::filesystem::path> write_toolchain_file(const toolchain& t,
                                                   const std::filesystem::path& dir);

}  // namespace lambdakit::build

template <>
struct std::is_error_code_enum<lambdakit::build::build_errc> : std::true_type {};
