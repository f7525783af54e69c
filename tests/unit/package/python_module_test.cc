#include "package/python_module.h"

#include <gtest/gtest.h>

#include "package/targets.h"

namespace lambdakit::package {
namespace {

elf_info module_named(const std::string& module) {
  elf_info e;
  e.machine = "x86_64";
  e.is_static = false;
  e.shared_library = true;
  e.needed = {"libc.so.6"};
  e.exports = {"PyInit_" + module};
  return e;
}

std::string all(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "\n";
  return s;
}

TEST(PythonModule, FileNamesTakenApart) {
  auto a = parse_module_file("hello.abi3.so");
  EXPECT_EQ(a.module, "hello");
  EXPECT_EQ(a.tag, "abi3");
  auto c = parse_module_file("hello.cpython-311-x86_64-linux-gnu.so");
  EXPECT_EQ(c.module, "hello");
  EXPECT_EQ(c.tag, "cpython-311-x86_64-linux-gnu");
  auto bare = parse_module_file("hello.so");
  EXPECT_EQ(bare.module, "hello");
  EXPECT_EQ(bare.tag, "");
  EXPECT_EQ(parse_module_file("hello").tag, "");
}

TEST(PythonModule, StdlibNamesAreKnown) {
  for (const char* n : {"json", "os", "sys", "__future__", "_json", "zoneinfo", "asyncio", "math"})
    EXPECT_TRUE(is_stdlib_module(n)) << n;
  for (const char* n : {"hello", "numpy", "boto3", "", "JSON"})
    EXPECT_FALSE(is_stdlib_module(n)) << n;
}

TEST(PythonModule, AcceptsEachAbiWhereItLoads) {
  const target* t312 = find_target("python3.12");
  const target* t314 = find_target("python3.14");
  const target* t311 = find_target("python3.11");
  ASSERT_TRUE(t312 && t314 && t311);
  EXPECT_EQ(t312->python, "3.12");
  auto m = module_named("hello");
  EXPECT_EQ(all(check_python_module(m, parse_module_file("hello.abi3.so"), *t312, "x86_64")), "");
  EXPECT_EQ(all(check_python_module(m, parse_module_file("hello.abi3.so"), *t314, "arm64")), "");
  EXPECT_EQ(all(check_python_module(m, parse_module_file("hello.cpython-311-x86_64-linux-gnu.so"),
                                    *t311, "x86_64")),
            "");
  EXPECT_EQ(all(check_python_module(m, parse_module_file("hello.cpython-311-aarch64-linux-gnu.so"),
                                    *t311, "arm64")),
            "");
}

TEST(PythonModule, RefusesWhatWouldNotImport) {
  const target& t311 = *find_target("python3.11");
  const target& t312 = *find_target("python3.12");
  auto m = module_named("hello");
  EXPECT_NE(all(check_python_module(m, parse_module_file("hello.abi3.so"), t311, "x86_64"))
                .find("which python3.11 cannot load"),
            std::string::npos);
  EXPECT_NE(all(check_python_module(m, parse_module_file("hello.cpython-311-x86_64-linux-gnu.so"),
                                    t311, "arm64"))
                .find("python3.11 on arm64 loads cpython-311-aarch64-linux-gnu"),
            std::string::npos);
  auto libpy = m;
  libpy.needed.push_back("libpython3.12.so.1.0");
  EXPECT_NE(all(check_python_module(libpy, parse_module_file("hello.abi3.so"), t312, "x86_64"))
                .find("links libpython3.12.so.1.0"),
            std::string::npos);
  auto exe = m;
  exe.shared_library = false;
  EXPECT_NE(all(check_python_module(exe, parse_module_file("hello.abi3.so"), t312, "x86_64"))
                .find("is an executable"),
            std::string::npos);
  auto json = module_named("json");
  EXPECT_NE(all(check_python_module(json, parse_module_file("json.abi3.so"), t312, "x86_64"))
                .find("taken by the Python runtime"),
            std::string::npos);
  EXPECT_NE(all(check_python_module(m, parse_module_file("other.abi3.so"), t312, "x86_64"))
                .find("does not export PyInit_other"),
            std::string::npos);
  auto digit = module_named("1x");
  EXPECT_NE(all(check_python_module(digit, parse_module_file("1x.abi3.so"), t312, "x86_64"))
                .find("is not a Python module name"),
            std::string::npos);
}

}  // namespace
}  // namespace lambdakit::package
