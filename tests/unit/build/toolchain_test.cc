#include "build/toolchain.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>

#include "base/child.h"
#include "support/scoped_env.h"
#include "support/temp_dir.h"

namespace lambdakit::build {
namespace {
namespace fs = std::filesystem;
using testing::read_file;
using testing::scoped_env;
using testing::temp_dir;

// This machine's architecture in Lambda's words, and the other one (a cross build).
std::string host_arch() {
  utsname u{};
  ::uname(&u);
  return std::string(u.machine) == "aarch64" ? "arm64" : "x86_64";
}
std::string cross_arch() {
  return host_arch() == "arm64" ? "x86_64" : "arm64";
}
std::string gnu(const std::string& lambda_arch) {
  return lambda_arch == "arm64" ? "aarch64" : "x86_64";
}

TEST(Strategy, NamesRoundTrip) {
  struct {
    strategy s;
    const char* text;
  } cases[] = {
      {strategy::zig, "zig"},
      {strategy::bundle, "bundle"},
      {strategy::static_link, "static"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(name(c.s), c.text);
    EXPECT_EQ(parse_strategy(c.text), c.s) << c.text;
  }
}

TEST(Strategy, ParseRefusesEverythingElse) {
  for (const char* text :
       {"", "Zig", "ZIG", "static_link", "zig ", " bundle", "bundle\n", "none", "auto", "zi"}) {
    EXPECT_EQ(parse_strategy(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(BuildErrc, IsAnErrorCodeOfItsOwnCategory) {
  struct {
    build_errc e;
    int value;
    const char* message;
  } cases[] = {
      {build_errc::no_project, 1, "no CMake project here"},
      {build_errc::no_toolchain, 2, "no toolchain for this build"},
      {build_errc::unsupported_target, 3, "cannot build for this target"},
      {build_errc::tool_failed, 4, "the build failed"},
      {build_errc::no_functions, 5, "the project has no Lambda functions"},
  };
  for (const auto& c : cases) {
    std::error_code code = c.e;  // is_error_code_enum: converts implicitly
    EXPECT_EQ(code.value(), c.value);
    EXPECT_STREQ(code.category().name(), "lambdakit.build");
    EXPECT_EQ(code.message(), c.message);
    EXPECT_EQ(code, c.e);
    EXPECT_EQ(&code.category(), &make_error_code(build_errc::no_project).category());
  }
  EXPECT_NE(std::error_code(build_errc::no_project), build_errc::no_toolchain);
}

toolchain zig_toolchain(std::string arch = "x86_64", std::string glibc = "2.34") {
  toolchain t;
  t.kind = strategy::zig;
  t.runtime = "provided.al2023";
  t.arch = arch;
  t.glibc = glibc;
  t.zig = "/opt/zig/zig";
  t.triple = gnu(arch) + "-linux-gnu." + glibc;
  return t;
}

toolchain system_toolchain(strategy kind, std::string arch = "x86_64",
                           fs::path cxx = "/usr/bin/g++") {
  toolchain t;
  t.kind = kind;
  t.runtime = "provided.al2023";
  t.arch = arch;
  t.glibc = "2.34";
  t.c_compiler = "/usr/bin/gcc";
  t.cxx_compiler = cxx;
  return t;
}

TEST(Toolchain, DescribeNamesTheStrategyAndTheCompiler) {
  struct {
    toolchain t;
    const char* description;
  } cases[] = {
      {zig_toolchain(), "zig (x86_64-linux-gnu.2.34)"},
      {zig_toolchain("arm64", "2.26"), "zig (aarch64-linux-gnu.2.26)"},
      {system_toolchain(strategy::bundle),
       "bundle (/usr/bin/g++, its glibc and loader shipped in lib/)"},
      {system_toolchain(strategy::static_link), "static (/usr/bin/g++ -static)"},
      {system_toolchain(strategy::static_link, "arm64", "/usr/bin/aarch64-linux-gnu-g++"),
       "static (/usr/bin/aarch64-linux-gnu-g++ -static)"},
  };
  for (const auto& c : cases) EXPECT_EQ(c.t.describe(), c.description);
}

TEST(Toolchain, KeyNamesTheTargetAndTheCompiler) {
  struct {
    toolchain t;
    const char* pattern;
  } cases[] = {
      {zig_toolchain(), R"(zig-x86_64-linux-gnu\.2\.34-[0-9a-f]{8})"},
      {zig_toolchain("arm64", "2.26"), R"(zig-aarch64-linux-gnu\.2\.26-[0-9a-f]{8})"},
      {system_toolchain(strategy::bundle), R"(system-x86_64-[0-9a-f]{8})"},
      {system_toolchain(strategy::static_link, "arm64"), R"(system-aarch64-[0-9a-f]{8})"},
  };
  for (const auto& c : cases) {
    std::string key = c.t.key();
    EXPECT_TRUE(std::regex_match(key, std::regex(c.pattern))) << key;
    EXPECT_EQ(key, c.t.key()) << "stable";
  }
}

TEST(Toolchain, KeysDifferWhereTheRuntimeLibraryWould) {
  auto other_zig = zig_toolchain();
  other_zig.zig = "/usr/local/bin/zig";
  auto other_glibc = zig_toolchain("x86_64", "2.26");
  auto other_cxx = system_toolchain(strategy::bundle, "x86_64", "/usr/bin/g++-13");
  struct {
    const char* name;
    toolchain a, b;
    bool same;
  } cases[] = {
      {"bundle and static share one library", system_toolchain(strategy::bundle),
       system_toolchain(strategy::static_link), true},
      {"another zig", zig_toolchain(), other_zig, false},
      {"another glibc", zig_toolchain(), other_glibc, false},
      {"another g++", system_toolchain(strategy::bundle), other_cxx, false},
      {"another architecture", system_toolchain(strategy::bundle),
       system_toolchain(strategy::bundle, "arm64"), false},
      {"zig is not the system compiler", zig_toolchain(), system_toolchain(strategy::bundle),
       false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.a.key() == c.b.key(), c.same) << c.name << ": " << c.a.key() << " " << c.b.key();
  }
}

TEST(FindToolchain, RefusesArchitecturesLambdaDoesNotName) {
  for (std::string arch : {"i386", "aarch64", "amd64", "X86_64", "arm64 ", ""}) {
    auto r = find_toolchain(std::nullopt, "provided.al2023", arch);
    ASSERT_FALSE(r) << arch;
    EXPECT_EQ(r.error().code, build_errc::unsupported_target);
    EXPECT_EQ(r.error().detail,
              "--arch must be x86_64 or arm64 (Lambda's names), not \"" + arch + "\"");
    EXPECT_EQ(r.error().message(), "cannot build for this target: " + r.error().detail);
  }
}

TEST(FindToolchain, RefusesRuntimesItCannotBuildFor) {
  for (std::string runtime : {"java21", "", "provided.al2024", "PROVIDED.AL2023"}) {
    auto r = find_toolchain(strategy::zig, runtime, "x86_64");
    ASSERT_FALSE(r) << runtime;
    EXPECT_EQ(r.error().code, build_errc::unsupported_target);
    // The list of runtimes between comes from the runtime registry.
    const std::string& d = r.error().detail;
    std::string head = "\"" + runtime + "\": lambdakit builds for ";
    std::string tail = " (Lambda's runtime names)";
    EXPECT_EQ(d.substr(0, head.size()), head) << d;
    ASSERT_GE(d.size(), tail.size());
    EXPECT_EQ(d.substr(d.size() - tail.size()), tail) << d;
    EXPECT_NE(d.find("provided.al2023"), std::string::npos) << d;
    EXPECT_NE(d.find("nodejs22.x"), std::string::npos) << d;
  }
}

TEST(FindToolchain, ZigRequestedWithoutZigSaysHowToGetIt) {
  scoped_env no_zig("LAMBDAKIT_ZIG", "");  // set but empty: "no zig"
  EXPECT_EQ(find_zig(), std::nullopt);
  auto r = find_toolchain(strategy::zig, "provided.al2023", "x86_64");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, build_errc::no_toolchain);
  EXPECT_EQ(r.error().message(),
            "no toolchain for this build: --strategy zig needs the zig compiler: pip install "
            "ziglang (or put zig in PATH, or set LAMBDAKIT_ZIG to it)");
}

TEST(FindZig, LambdakitZigNamesTheCompiler) {
  temp_dir tmp;
  testing::write_executable(tmp / "zig", "#!/bin/true\n");
  testing::write_file(tmp / "not-executable-zig", "#!/bin/true\n");
  struct {
    const char* name;
    std::string value;
    std::optional<fs::path> found;
  } cases[] = {
      {"an executable", (tmp / "zig").string(), tmp / "zig"},
      {"not executable", (tmp / "not-executable-zig").string(), std::nullopt},
      {"missing", (tmp / "missing").string(), std::nullopt},
      {"empty", "", std::nullopt},
  };
  for (const auto& c : cases) {
    scoped_env zig("LAMBDAKIT_ZIG", c.value);
    EXPECT_EQ(find_zig(), c.found) << c.name;
  }
}

TEST(FindToolchain, ZigTargetsTheRuntimesGlibc) {
  temp_dir tmp;
  testing::write_executable(tmp / "zig", "#!/bin/true\n");
  scoped_env zig("LAMBDAKIT_ZIG", (tmp / "zig").string());
  struct {
    std::optional<strategy> requested;
    const char* runtime;
    const char* arch;
    const char* glibc;
    const char* triple;
  } cases[] = {
      {strategy::zig, "provided.al2023", "x86_64", "2.34", "x86_64-linux-gnu.2.34"},
      {strategy::zig, "provided.al2023", "arm64", "2.34", "aarch64-linux-gnu.2.34"},
      {strategy::zig, "provided.al2", "x86_64", "2.26", "x86_64-linux-gnu.2.26"},
      {strategy::zig, "provided", "x86_64", "2.17", "x86_64-linux-gnu.2.17"},
      {std::nullopt, "provided.al2023", "x86_64", "2.34", "x86_64-linux-gnu.2.34"},  // zig first
  };
  for (const auto& c : cases) {
    auto r = find_toolchain(c.requested, c.runtime, c.arch);
    ASSERT_TRUE(r) << c.runtime << " " << c.arch << ": " << r.error().message();
    EXPECT_EQ(r->kind, strategy::zig);
    EXPECT_EQ(r->runtime, c.runtime);
    EXPECT_EQ(r->arch, c.arch);
    EXPECT_EQ(r->glibc, c.glibc);
    EXPECT_EQ(r->triple, c.triple);
    EXPECT_EQ(r->zig, tmp / "zig");
    EXPECT_TRUE(r->c_compiler.empty());
    if (c.arch == host_arch()) {
      EXPECT_TRUE(r->emulator.empty()) << "no emulator for this machine's own architecture";
    }
  }
}

class WriteToolchainFile : public ::testing::Test {
 protected:
  temp_dir tmp_;
  fs::path dir_ = tmp_ / "toolchain";
};

TEST_F(WriteToolchainFile, ZigGetsWrappersWithTheCompilerQuoted) {
  // A zig whose path needs quoting for sh: a space and a single quote.
  fs::path zig_dir = tmp_ / "it's zig";
  fs::create_directories(zig_dir);
  fs::create_symlink("/bin/echo", zig_dir / "zig");  // prints what the wrapper passes it
  toolchain t = zig_toolchain(host_arch());
  t.zig = zig_dir / "zig";
  auto file = write_toolchain_file(t, dir_);
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(*file, dir_ / "toolchain.cmake");

  std::string quoted = "'" + (tmp_ / "it").string() + "'\\''s zig/zig'";
  std::string target = "-target " + t.triple;
  struct {
    const char* tool;
    std::string sub;
  } wrappers[] = {
      {"cc", "cc " + target}, {"c++", "c++ " + target}, {"ar", "ar"}, {"ranlib", "ranlib"}};
  for (const auto& w : wrappers) {
    fs::path p = dir_ / (std::string("zig-") + w.tool);
    EXPECT_EQ(read_file(p), "#!/bin/sh\nexec " + quoted + " " + w.sub + " \"$@\"\n") << w.tool;
    EXPECT_EQ(fs::status(p).permissions(), fs::perms(0755)) << w.tool;
    // The wrapper really runs that zig, with its arguments untouched.
    base::child_spec s;
    s.argv = {p.string(), "a b", "$HOME"};
    auto r = base::run_child(s, true);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->out, w.sub + " a b $HOME\n") << w.tool;
  }

  std::string d = dir_.string();
  EXPECT_EQ(read_file(*file), "# Written by `lambdakit build` for zig (" + t.triple + ").\n" +
                                  "set(CMAKE_C_COMPILER [==[" + d + "/zig-cc]==])\n" +
                                  "set(CMAKE_CXX_COMPILER [==[" + d + "/zig-c++]==])\n" +
                                  "set(CMAKE_AR [==[" + d + "/zig-ar]==] CACHE FILEPATH \"\")\n" +
                                  "set(CMAKE_RANLIB [==[" + d +
                                  "/zig-ranlib]==] CACHE FILEPATH \"\")\n");
}

TEST_F(WriteToolchainFile, SystemCompilersAreBracketQuoted) {
  struct {
    const char* name;
    toolchain t;
    std::string expected;
  } cases[] = {
      {"bundle", system_toolchain(strategy::bundle, host_arch()),
       "# Written by `lambdakit build` for bundle (/usr/bin/g++, its glibc and loader shipped in "
       "lib/).\n"
       "set(CMAKE_C_COMPILER [==[/usr/bin/gcc]==])\n"
       "set(CMAKE_CXX_COMPILER [==[/usr/bin/g++]==])\n"},
      {"a path CMake would split",
       system_toolchain(strategy::static_link, host_arch(), "/opt/my tools;v2/\"g++\" $(x)"),
       "# Written by `lambdakit build` for static (/opt/my tools;v2/\"g++\" $(x) -static).\n"
       "set(CMAKE_C_COMPILER [==[/usr/bin/gcc]==])\n"
       "set(CMAKE_CXX_COMPILER [==[/opt/my tools;v2/\"g++\" $(x)]==])\n"},
  };
  for (const auto& c : cases) {
    auto file = write_toolchain_file(c.t, dir_);
    ASSERT_TRUE(file) << c.name << ": " << file.error().message();
    EXPECT_EQ(read_file(*file), c.expected) << c.name;
    EXPECT_FALSE(fs::exists(dir_ / "zig-cc")) << c.name;
  }
}

TEST_F(WriteToolchainFile, CrossBuildsNameTheSystemAndTheEmulator) {
  std::string g = gnu(cross_arch());
  toolchain with_sysroot =
      system_toolchain(strategy::bundle, cross_arch(), "/usr/bin/" + g + "-linux-gnu-g++");
  with_sysroot.c_compiler = "/usr/bin/" + g + "-linux-gnu-gcc";
  with_sysroot.emulator = "/usr/bin/qemu-" + g + "-static";
  with_sysroot.sysroot = "/usr/" + g + "-linux-gnu";
  toolchain without_sysroot = with_sysroot;
  without_sysroot.sysroot.clear();
  toolchain no_emulator = with_sysroot;
  no_emulator.emulator.clear();
  std::string head = "# Written by `lambdakit build` for bundle (/usr/bin/" + g +
                     "-linux-gnu-g++, its glibc and loader shipped in lib/).\n"
                     "set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR " +
                     g + ")\nset(CMAKE_C_COMPILER [==[/usr/bin/" + g +
                     "-linux-gnu-gcc]==])\nset(CMAKE_CXX_COMPILER [==[/usr/bin/" + g +
                     "-linux-gnu-g++]==])\n";
  struct {
    const char* name;
    toolchain t;
    std::string expected;
  } cases[] = {
      {"emulator and its libraries", with_sysroot,
       head + "set(CMAKE_CROSSCOMPILING_EMULATOR [==[/usr/bin/qemu-" + g +
           "-static]==] -L [==[/usr/" + g + "-linux-gnu]==])\n"},
      {"emulator alone", without_sysroot,
       head + "set(CMAKE_CROSSCOMPILING_EMULATOR [==[/usr/bin/qemu-" + g + "-static]==])\n"},
      {"no emulator", no_emulator, head},
  };
  for (const auto& c : cases) {
    auto file = write_toolchain_file(c.t, dir_);
    ASSERT_TRUE(file) << c.name << ": " << file.error().message();
    EXPECT_EQ(read_file(*file), c.expected) << c.name;
  }
}

// CMake re-configures when its toolchain file changes: an unchanged file is left alone.
TEST_F(WriteToolchainFile, RewritesOnlyWhatChanged) {
  toolchain t = zig_toolchain(host_arch());
  ASSERT_TRUE(write_toolchain_file(t, dir_));
  auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (const char* f : {"toolchain.cmake", "zig-cc", "zig-c++", "zig-ar", "zig-ranlib"}) {
    fs::last_write_time(dir_ / f, long_ago);
  }
  ASSERT_TRUE(write_toolchain_file(t, dir_));
  for (const char* f : {"toolchain.cmake", "zig-cc", "zig-c++", "zig-ar", "zig-ranlib"}) {
    EXPECT_EQ(fs::last_write_time(dir_ / f), long_ago) << f;
  }

  t.zig = "/another/zig";
  ASSERT_TRUE(write_toolchain_file(t, dir_));
  EXPECT_NE(fs::last_write_time(dir_ / "zig-cc"), long_ago);
  EXPECT_NE(read_file(dir_ / "zig-cc").find("'/another/zig'"), std::string::npos);
  // The toolchain file itself names only the wrappers, which did not move.
  EXPECT_EQ(fs::last_write_time(dir_ / "toolchain.cmake"), long_ago);
}

TEST_F(WriteToolchainFile, AFolderThatCannotBeMadeIsAToolFailure) {
  testing::write_file(tmp_ / "a-file", "");
  fs::path dir = tmp_ / "a-file" / "toolchain";  // below a regular file
  struct {
    const char* name;
    toolchain t;
    fs::path unwritable;
  } cases[] = {
      {"zig", zig_toolchain(host_arch()), dir / "zig-cc"},
      {"bundle", system_toolchain(strategy::bundle, host_arch()), dir / "toolchain.cmake"},
  };
  for (const auto& c : cases) {
    auto r = write_toolchain_file(c.t, dir);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, build_errc::tool_failed) << c.name;
    EXPECT_EQ(r.error().message(), "the build failed: cannot write " + c.unwritable.string())
        << c.name;
  }
}

}  // namespace
}  // namespace lambdakit::build
