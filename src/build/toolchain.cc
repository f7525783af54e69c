#include "build/toolchain.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>

#include "base/child.h"
#include "base/error_category.h"
#include "base/path_lookup.h"
#include "package/targets.h"

namespace lambdakit::build {
using base::find_program;
using base::run_tool;
namespace fs = std::filesystem;
namespace {

const char* describe(build_errc e) noexcept {
  switch (e) {
    case build_errc::no_project:
      return "no CMake project here";
    case build_errc::no_toolchain:
      return "no toolchain for this build";
    case build_errc::unsupported_target:
      return "cannot build for this target";
    case build_errc::tool_failed:
      return "the build failed";
    case build_errc::no_functions:
      return "the project has no Lambda functions";
  }
  return "unknown build error";
}

// Lambda's architecture names to the GNU ones compilers and qemu use.
std::string gnu_arch(const std::string& lambda_arch) {
  return lambda_arch == "arm64" ? "aarch64" : "x86_64";
}

std::string host_arch() {
  utsname u{};
  ::uname(&u);
  return u.machine;  // "x86_64", "aarch64"
}

bool executable(const fs::path& p) {
  return !p.empty() && ::access(p.c_str(), X_OK) == 0;
}

// 'text' for sh: every ' closed, escaped and reopened.
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A CMake bracket argument: taken literally, whatever the path holds (quotes, ;, $, \).
std::string cmake_quoted(const std::string& text) {
  return "[==[" + text + "]==]";
}

// The qemu-user emulator and target libraries that let a foreign-arch test binary run here.
void find_emulator(toolchain& t) {
  if (gnu_arch(t.arch) == host_arch()) return;
  t.emulator = find_program("qemu-" + gnu_arch(t.arch) + "-static");
  if (t.emulator.empty()) t.emulator = find_program("qemu-" + gnu_arch(t.arch));
  fs::path sysroot = "/usr/" + gnu_arch(t.arch) + "-linux-gnu";
  std::error_code ec;
  if (fs::exists(sysroot / "lib", ec)) t.sysroot = sysroot;
}

result<toolchain> system_toolchain(toolchain t) {
  bool cross = gnu_arch(t.arch) != host_arch();
  std::string prefix = cross ? gnu_arch(t.arch) + "-linux-gnu-" : "";
  t.c_compiler = find_program(prefix + "gcc");
  t.cxx_compiler = find_program(prefix + "g++");
  if (t.cxx_compiler.empty() || t.c_compiler.empty()) {
    return make_failure(build_errc::no_toolchain,
                        "--strategy " + std::string(name(t.kind)) + " for " + t.arch + " needs " +
                            prefix + "g++ (Debian: apt-get install " +
                            (cross ? "g++-" + gnu_arch(t.arch) + "-linux-gnu" : "g++") +
                            "), or use --strategy zig, which cross-compiles by itself");
  }
  if (t.kind == strategy::bundle && find_program("patchelf").empty()) {
    return make_failure(build_errc::no_toolchain,
                        "--strategy bundle rewrites the binary's loader path with patchelf, which "
                        "is not in PATH (Debian: apt-get install patchelf)");
  }
  find_emulator(t);
  return t;
}

}  // namespace

std::error_code make_error_code(build_errc e) noexcept {
  static const base::enum_category<build_errc> category("lambdakit.build", describe);
  return category.make(e);
}

std::string_view name(strategy s) {
  switch (s) {
    case strategy::zig:
      return "zig";
    case strategy::bundle:
      return "bundle";
    case strategy::static_link:
      return "static";
  }
  return "?";
}

std::optional<strategy> parse_strategy(std::string_view text) {
  for (strategy s : {strategy::zig, strategy::bundle, strategy::static_link}) {
    if (name(s) == text) return s;
  }
  return std::nullopt;
}

std::string toolchain::describe() const {
  switch (kind) {
    case strategy::zig:
      return "zig (" + triple + ")";
    case strategy::bundle:
      return "bundle (" + cxx_compiler.string() + ", its glibc and loader shipped in lib/)";
    case strategy::static_link:
      return "static (" + cxx_compiler.string() + " -static)";
  }
  return {};
}

std::string toolchain::key() const {
  // The compiler's path is part of the key: another zig or g++ gets a runtime of its own.
  auto tag = [](const fs::path& compiler) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(compiler.string()));
    return std::string(hex, 8);
  };
  if (kind == strategy::zig) return "zig-" + triple + "-" + tag(zig);
  // bundle and static differ only in how functions link: one runtime library serves both.
  return "system-" + gnu_arch(arch) + "-" + tag(cxx_compiler);
}

std::optional<fs::path> find_zig() {
  if (const char* env = std::getenv("LAMBDAKIT_ZIG"); env != nullptr) {
    if (*env == '\0') return std::nullopt;  // set but empty: "no zig", for testing the fallbacks
    return executable(env) ? std::optional<fs::path>(env) : std::nullopt;
  }
  if (fs::path p = find_program("zig"); !p.empty()) return p;
  // pip install ziglang: the compiler sits beside the module's __init__.py.
  auto r =
      run_tool({"python3", "-c", "import ziglang, os; print(os.path.dirname(ziglang.__file__))"},
               true, {}, true);
  if (r && r->exit_code == 0) {
    std::string dir = r->out.substr(0, r->out.find('\n'));
    if (executable(fs::path(dir) / "zig")) return fs::path(dir) / "zig";
  }
  return std::nullopt;
}

result<toolchain> find_toolchain(std::optional<strategy> requested, const std::string& runtime,
                                 const std::string& arch) {
  if (arch != "x86_64" && arch != "arm64") {
    return make_failure(build_errc::unsupported_target,
                        "--arch must be x86_64 or arm64 (Lambda's names), not \"" + arch + "\"");
  }
  const package::target* target = package::find_target(runtime);
  if (target == nullptr) {
    return make_failure(build_errc::unsupported_target,
                        "\"" + runtime + "\": lambdakit builds for " +
                            package::packaged_runtimes() + " (Lambda's runtime names)");
  }
  toolchain t;
  t.runtime = runtime;
  t.arch = arch;
  t.glibc = target->glibc.substr(6);  // "GLIBC_2.34" → "2.34"

  if (!requested || *requested == strategy::zig) {
    if (auto zig = find_zig()) {
      t.kind = strategy::zig;
      t.zig = *zig;
      t.triple = gnu_arch(arch) + "-linux-gnu." + t.glibc;
      find_emulator(t);
      return t;
    }
    if (requested) {
      return make_failure(build_errc::no_toolchain,
                          "--strategy zig needs the zig compiler: pip install ziglang (or put zig "
                          "in PATH, or set LAMBDAKIT_ZIG to it)");
    }
  }
  if (!requested || *requested == strategy::bundle) {
    t.kind = strategy::bundle;
    auto r = system_toolchain(t);
    if (r || requested) return r;
  }
  t.kind = strategy::static_link;
  return system_toolchain(t);
}

result<fs::path> write_toolchain_file(const toolchain& t, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  // Rewritten only when different: CMake re-configures when its toolchain file changes.
  auto write = [&](const fs::path& p, const std::string& text, bool exec) -> bool {
    std::ifstream in(p, std::ios::binary);
    std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in && old == text) return true;
    std::ofstream out(p, std::ios::trunc);
    out << text;
    out.close();
    if (!out) return false;
    if (exec)
      fs::permissions(p,
                      fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec,
                      ec);
    return true;
  };
  std::string file = "# Written by `lambdakit build` for " + t.describe() + ".\n";
  bool cross = gnu_arch(t.arch) != host_arch();
  if (cross) {
    file += "set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR " + gnu_arch(t.arch) + ")\n";
  }
  if (t.kind == strategy::zig) {
    // CMake wants one executable per tool; zig is one binary with sub-commands.
    const std::pair<std::string, std::string> tools[] = {{"cc", "cc -target " + t.triple},
                                                         {"c++", "c++ -target " + t.triple},
                                                         {"ar", "ar"},
                                                         {"ranlib", "ranlib"}};
    for (const auto& [tool, sub] : tools) {
      fs::path wrapper = dir / ("zig-" + tool);
      if (!write(wrapper,
                 "#!/bin/sh\nexec " + shell_quoted(t.zig.string()) + " " + sub + " \"$@\"\n",
                 true)) {
        return make_failure(build_errc::tool_failed, "cannot write " + wrapper.string());
      }
    }
    file += "set(CMAKE_C_COMPILER " + cmake_quoted((dir / "zig-cc").string()) + ")\n";
    file += "set(CMAKE_CXX_COMPILER " + cmake_quoted((dir / "zig-c++").string()) + ")\n";
    file += "set(CMAKE_AR " + cmake_quoted((dir / "zig-ar").string()) + " CACHE FILEPATH \"\")\n";
    file += "set(CMAKE_RANLIB " + cmake_quoted((dir / "zig-ranlib").string()) +
            " CACHE FILEPATH \"\")\n";
  } else {
    file += "set(CMAKE_C_COMPILER " + cmake_quoted(t.c_compiler.string()) + ")\n";
    file += "set(CMAKE_CXX_COMPILER " + cmake_quoted(t.cxx_compiler.string()) + ")\n";
  }
  if (!t.emulator.empty()) {
    file += "set(CMAKE_CROSSCOMPILING_EMULATOR " + cmake_quoted(t.emulator.string());
    if (!t.sysroot.empty()) file += " -L " + cmake_quoted(t.sysroot.string());
    file += ")\n";
  }
  fs::path path = dir / "toolchain.cmake";
  if (!write(path, file, false)) {
    return make_failure(build_errc::tool_failed, "cannot write " + path.string());
  }
  return path;
}

}  // namespace lambdakit::build
