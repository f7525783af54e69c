#include "base/path_lookup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/scoped_env.h"
#include "support/temp_dir.h"

namespace lambdakit::base {
namespace {
namespace fs = std::filesystem;
using testing::scoped_env;
using testing::temp_dir;

// bin1/tool (executable), bin1/data (not), bin1/dir (a folder, which has the x bit),
// bin2/tool and bin2/data (both executable).
class FindProgram : public ::testing::Test {
 protected:
  FindProgram() {
    testing::write_executable(tmp_ / "bin1" / "tool", "#!/bin/true\n");
    testing::write_file(tmp_ / "bin1" / "data", "not a program\n");
    fs::create_directories(tmp_ / "bin1" / "dir");
    testing::write_executable(tmp_ / "bin2" / "tool", "#!/bin/true\n");
    testing::write_executable(tmp_ / "bin2" / "data", "#!/bin/true\n");
  }
  std::string dir(const char* name) const { return (tmp_ / name).string(); }

  temp_dir tmp_;
};

TEST_F(FindProgram, SearchesTheGivenPathInOrder) {
  struct {
    const char* name;
    std::string program;
    std::string path;
    fs::path expected;  // empty: not found
  } cases[] = {
      {"first dir wins", "tool", dir("bin1") + ":" + dir("bin2"), tmp_ / "bin1" / "tool"},
      {"order matters", "tool", dir("bin2") + ":" + dir("bin1"), tmp_ / "bin2" / "tool"},
      {"non-executable skipped", "data", dir("bin1") + ":" + dir("bin2"), tmp_ / "bin2" / "data"},
      {"non-executable only", "data", dir("bin1"), {}},
      {"a folder is no program", "dir", dir("bin1") + ":" + dir("bin2"), {}},
      {"missing", "nothing-here", dir("bin1") + ":" + dir("bin2"), {}},
      {"missing dir skipped", "tool", "/lambdakit-no-such-dir:" + dir("bin2"),
       tmp_ / "bin2" / "tool"},
      {"trailing colon", "tool", dir("bin2") + ":", tmp_ / "bin2" / "tool"},
      {"empty name", "", dir("bin1"), {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(find_program(c.program, c.path.c_str()), c.expected) << c.name;
  }
}

TEST_F(FindProgram, ANameWithASlashIsNotSearched) {
  std::string path = dir("bin2");  // would find bin2/tool: must not be used
  struct {
    const char* name;
    fs::path program;
    fs::path expected;
  } cases[] = {
      {"absolute executable", tmp_ / "bin1" / "tool", tmp_ / "bin1" / "tool"},
      {"absolute non-executable", tmp_ / "bin1" / "data", {}},
      {"absolute folder", tmp_ / "bin1" / "dir", {}},
      {"absolute missing", tmp_ / "bin1" / "missing", {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(find_program(c.program.string(), path.c_str()), c.expected) << c.name;
  }
}

// Changes the working directory for one scope.
class scoped_cwd {
 public:
  explicit scoped_cwd(const fs::path& p) : old_(fs::current_path()) { fs::current_path(p); }
  ~scoped_cwd() { fs::current_path(old_); }
  scoped_cwd(const scoped_cwd&) = delete;
  scoped_cwd& operator=(const scoped_cwd&) = delete;

 private:
  fs::path old_;
};

TEST_F(FindProgram, RelativeAnswersAreMadeAbsolute) {
  scoped_cwd in(tmp_.path());
  std::string path = dir("bin2");
  fs::path found = find_program("bin1/tool", path.c_str());  // relative, with a slash
  EXPECT_TRUE(found.is_absolute()) << found;
  EXPECT_TRUE(fs::equivalent(found, tmp_ / "bin1" / "tool")) << found;
  EXPECT_TRUE(find_program("bin1/data", path.c_str()).empty());

  // An empty PATH entry is the working directory, as for the shell.
  scoped_cwd in_bin1(tmp_ / "bin1");
  std::string empty_first = ":" + dir("bin2");
  found = find_program("tool", empty_first.c_str());
  EXPECT_TRUE(found.is_absolute()) << found;
  EXPECT_TRUE(fs::equivalent(found, tmp_ / "bin1" / "tool")) << found;
}

TEST_F(FindProgram, WithoutAPathUsesThisProcesssPath) {
  {
    scoped_env path("PATH", dir("bin2") + ":" + dir("bin1"));
    EXPECT_EQ(find_program("tool"), tmp_ / "bin2" / "tool");
    EXPECT_EQ(find_program("data"), tmp_ / "bin2" / "data");
  }
  {
    // No PATH at all: /usr/local/bin:/usr/bin:/bin.
    scoped_env path("PATH", std::nullopt);
    EXPECT_TRUE(find_program("tool").empty());
    fs::path sh = find_program("sh");
    EXPECT_TRUE(sh == "/usr/local/bin/sh" || sh == "/usr/bin/sh" || sh == "/bin/sh") << sh;
  }
}

}  // namespace
}  // namespace lambdakit::base
