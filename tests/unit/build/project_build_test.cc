#include "build/project_build.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "support/scoped_env.h"
#include "support/temp_dir.h"

namespace lambdakit::build {
namespace {
namespace fs = std::filesystem;
using testing::scoped_env;
using testing::temp_dir;

TEST(DefaultCacheDir, FollowsLambdakitThenXdgThenHome) {
  using env = std::optional<std::string>;
  struct {
    const char* name;
    env lambdakit, xdg, home;
    fs::path expected;
  } cases[] = {
      {"LAMBDAKIT_CACHE_DIR wins", "/lk", "/xdg", "/home/u", "/lk"},
      {"empty LAMBDAKIT_CACHE_DIR is unset", "", "/xdg", "/home/u", "/xdg/lambdakit"},
      {"XDG_CACHE_HOME", std::nullopt, "/xdg", "/home/u", "/xdg/lambdakit"},
      {"empty XDG_CACHE_HOME is unset", std::nullopt, "", "/home/u", "/home/u/.cache/lambdakit"},
      {"HOME", std::nullopt, std::nullopt, "/home/u", "/home/u/.cache/lambdakit"},
      {"nothing set", std::nullopt, std::nullopt, std::nullopt, "/tmp/.cache/lambdakit"},
      // Never a folder relative to wherever the build runs.
      {"empty HOME is unset", std::nullopt, std::nullopt, "", "/tmp/.cache/lambdakit"},
  };
  for (const auto& c : cases) {
    scoped_env a("LAMBDAKIT_CACHE_DIR", c.lambdakit), b("XDG_CACHE_HOME", c.xdg), h("HOME", c.home);
    EXPECT_EQ(default_cache_dir(), c.expected) << c.name;
  }
}

TEST(BuildProject, RefusesAFolderWithoutACMakeProject) {
  temp_dir tmp;
  fs::create_directories(tmp / "empty");
  struct {
    const char* name;
    fs::path dir;
  } cases[] = {
      {"no CMakeLists.txt", tmp / "empty"},
      {"no such folder", tmp / "missing"},
      {"not a canonical path", tmp / "empty" / ".." / "empty"},
  };
  for (const auto& c : cases) {
    build_options o;
    o.project_dir = c.dir;
    o.cache_dir = tmp / "cache";
    auto r = build_project(o);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, build_errc::no_project) << c.name;
    EXPECT_EQ(r.error().message(),
              "no CMake project here: no CMakeLists.txt in " +
                  fs::weakly_canonical(c.dir).string() +
                  ": run lambdakit build in a project folder (`lambdakit new NAME` makes one), "
                  "or pass --project-dir")
        << c.name;
    EXPECT_FALSE(fs::exists(tmp / "cache")) << c.name;
  }
}

// The target and the toolchain are checked before anything is run or written.
TEST(BuildProject, ChecksTheTargetBeforeBuilding) {
  temp_dir tmp;
  testing::write_file(tmp / "project" / "CMakeLists.txt", "project(p)\n");
  scoped_env no_zig("LAMBDAKIT_ZIG", "");
  struct {
    const char* name;
    std::string runtime, arch;
    std::optional<strategy> requested;
    build_errc code;
    std::string detail_start;
  } cases[] = {
      {"architecture", "provided.al2023", "sparc", std::nullopt, build_errc::unsupported_target,
       "--arch must be x86_64 or arm64 (Lambda's names), not \"sparc\""},
      {"runtime", "java21", "x86_64", std::nullopt, build_errc::unsupported_target,
       "\"java21\": lambdakit builds for "},
      {"toolchain", "provided.al2023", "x86_64", strategy::zig, build_errc::no_toolchain,
       "--strategy zig needs the zig compiler"},
  };
  for (const auto& c : cases) {
    build_options o;
    o.project_dir = tmp / "project";
    o.runtime = c.runtime;
    o.arch = c.arch;
    o.requested = c.requested;
    o.cache_dir = tmp / "cache";
    auto r = build_project(o);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
    EXPECT_EQ(r.error().detail.substr(0, c.detail_start.size()), c.detail_start)
        << c.name << ": " << r.error().detail;
    EXPECT_FALSE(fs::exists(tmp / "cache")) << c.name;
    EXPECT_FALSE(fs::exists(tmp / "project" / "build")) << c.name;
  }
}

}  // namespace
}  // namespace lambdakit::build
