#include "package/elf.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace lambdakit::package {
namespace {

std::string self_image() {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Elf, ReadsThisTestBinary) {
  auto info = read_elf(self_image(), "self");
  ASSERT_TRUE(info) << info.error().message();
#if defined(__x86_64__)
  EXPECT_EQ(info->machine, "x86_64");
#elif defined(__aarch64__)
  EXPECT_EQ(info->machine, "aarch64");
#endif
  // A dynamically linked C++ program: a loader, libc, and glibc symbol versions.
  EXPECT_FALSE(info->is_static);
  EXPECT_NE(info->interpreter.find("ld-linux"), std::string::npos) << info->interpreter;
  EXPECT_NE(std::find(info->needed.begin(), info->needed.end(), "libc.so.6"), info->needed.end());
  ASSERT_TRUE(info->versions.contains("libc.so.6"));
  bool has_glibc = false;
  for (const auto& v : info->versions.at("libc.so.6")) has_glibc |= v.rfind("GLIBC_2.", 0) == 0;
  EXPECT_TRUE(has_glibc);
  ASSERT_TRUE(info->versions.contains("libstdc++.so.6"));
  EXPECT_TRUE(info->versions.at("libstdc++.so.6").contains("GLIBCXX_3.4"));
}

// A shared library this process has loaded, by file name ("libm.so.6"), from /proc/self/maps.
std::string loaded_library(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.size() >= name.size() &&
        path.compare(path.size() - name.size(), name.size(), name) == 0) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    }
  }
  return {};
}

TEST(Elf, ReadsTheExportsOfASharedLibrary) {
  auto self = read_elf(self_image(), "self");
  ASSERT_TRUE(self);
  EXPECT_FALSE(self->shared_library);  // an executable (PIE or not) has a loader
  std::string libm = loaded_library("libm.so.6");
  ASSERT_FALSE(libm.empty()) << "this test binary has no libm.so.6 mapped";
  auto info = read_elf(libm, "libm.so.6");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_TRUE(info->shared_library);
  EXPECT_TRUE(info->exports.contains("cos"));
  EXPECT_FALSE(info->exports.contains("malloc"));  // libc's: undefined in libm
}

TEST(Elf, RefusesWhatIsNotAnElfExecutable) {
  struct {
    std::string image;
    elf_errc code;
    const char* detail;
  } cases[] = {
      {"#!/bin/sh\necho hi\n", elf_errc::not_elf, "script or an archive"},
      {"", elf_errc::not_elf, "ELF magic"},
      {std::string("\x7f"
                   "ELF",
                   4),
       elf_errc::truncated, "cut short"},
  };
  for (const auto& c : cases) {
    auto r = read_elf(c.image, "f");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_NE(r.error().message().find(c.detail), std::string::npos) << r.error().message();
  }
  std::string img = self_image();
  std::string elf32 = img;
  elf32[4] = 1;  // ELFCLASS32
  auto r32 = read_elf(elf32, "f");
  ASSERT_FALSE(r32);
  EXPECT_EQ(r32.error().code, elf_errc::unsupported);
  std::string object = img;
  object[16] = 1;  // ET_REL
  auto rel = read_elf(object, "f");
  ASSERT_FALSE(rel);
  EXPECT_NE(rel.error().message().find("object file"), std::string::npos);
}

// Every prefix of a real binary is either read or refused as truncated: never a crash or a read
// past the end (ASan watches this test in the asan preset).
TEST(Elf, EveryTruncationIsHandled) {
  std::string img = self_image();
  std::size_t step = std::max<std::size_t>(1, img.size() / 3000);
  for (std::size_t n = 0; n < img.size(); n += step) {
    auto r = read_elf(std::string_view(img).substr(0, n), "f");
    if (!r) {
      EXPECT_TRUE(r.error().code == elf_errc::truncated || r.error().code == elf_errc::not_elf)
          << n;
    }
  }
}

TEST(Elf, VersionsCompareNumerically) {
  EXPECT_EQ(version_numbers("GLIBC_2.34"), (std::vector<int>{2, 34}));
  EXPECT_EQ(version_numbers("GLIBCXX_3.4.29"), (std::vector<int>{3, 4, 29}));
  EXPECT_TRUE(version_newer("GLIBC_2.34", "GLIBC_2.26"));
  EXPECT_TRUE(version_newer("GLIBC_2.10", "GLIBC_2.9"));
  EXPECT_FALSE(version_newer("GLIBC_2.2.5", "GLIBC_2.26"));
  EXPECT_FALSE(version_newer("GLIBC_2.26", "GLIBC_2.26"));
}

}  // namespace
}  // namespace lambdakit::package
