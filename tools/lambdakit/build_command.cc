// `lambdakit build [--runtime R] [--arch A] [--strategy zig|bundle|static]`: the project in this
// folder compiled for a Lambda target; prints each function's binary and zip.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "build/project_build.h"
#include "commands.h"
#include "package/targets.h"

namespace lambdakit::cli {
namespace fs = std::filesystem;
namespace {

fs::path self_executable() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec);
}

// An installed lambdakit has its runtime sources in <prefix>/share/lambdakit/source; one run
// from its build tree uses the tree it was built from.
fs::path lambdakit_sources(const fs::path& exe) {
  fs::path installed = exe.parent_path().parent_path() / "share" / "lambdakit" / "source";
  std::error_code ec;
  if (fs::exists(installed / "CMakeLists.txt", ec)) return installed;
  return LAMBDAKIT_SOURCE_DIR;
}

}  // namespace

void add_build(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<build::build_options>();
  auto strategy_name = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "build", "Build the CMake project here for a Lambda runtime and its glibc");
  cmd->add_option("--runtime", o->runtime, package::packaged_runtimes())->capture_default_str();
  cmd->add_option("--arch", o->arch, "x86_64 or arm64")->capture_default_str();
  cmd->add_option("--strategy", *strategy_name,
                  "zig, bundle or static (default: the first available, in that order)");
  cmd->add_option("--project-dir,-C", o->project_dir, "The project (default: this folder)");
  cmd->add_option("--build-type", o->build_type, "CMake build type")->capture_default_str();
  cmd->footer(
      "Strategies (docs/build.md measures them):\n"
      "  zig     zig c++ targeting <arch>-linux-gnu.<glibc of the runtime's OS> (pip install "
      "ziglang)\n"
      "  bundle  this machine's compiler; its glibc and loader ship in the zip's lib/ (patchelf)\n"
      "  static  this machine's compiler, -static (no NSS: getpwnam and the like do not work)\n"
      "Prints one line per function: NAME BINARY ZIP. The build goes to build/lambda/ in the "
      "project;\nthe lambdakit runtime is built once per toolchain in $LAMBDAKIT_CACHE_DIR "
      "(~/.cache/lambdakit).");
  cmd->callback([o, strategy_name, &exit_code] {
    if (!strategy_name->empty()) {
      o->requested = build::parse_strategy(*strategy_name);
      if (!o->requested) {
        std::fprintf(stderr,
                     "lambdakit build: --strategy must be zig, bundle or static, not \"%s\"\n",
                     strategy_name->c_str());
        exit_code = 2;
        return;
      }
    }
    o->cli = self_executable();
    o->lambdakit_source = lambdakit_sources(o->cli);
    auto r = build::build_project(*o);
    if (!r) {
      std::fprintf(stderr, "lambdakit build: %s\n", r.error().message().c_str());
      exit_code = 1;
      return;
    }
    std::fprintf(stderr, "lambdakit build: %s for %s (%s), in %s\n", r->used.describe().c_str(),
                 o->runtime.c_str(), o->arch.c_str(), r->build_dir.c_str());
    for (const auto& f : r->functions) {
      std::printf("%s %s %s\n", f.name.c_str(), f.binary.c_str(), f.zip.c_str());
    }
    exit_code = 0;
  });
}

}  // namespace lambdakit::cli
