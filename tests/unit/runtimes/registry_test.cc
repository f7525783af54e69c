#include "runtimes/registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lambdakit::runtimes {
namespace {

TEST(Registry, EveryRowIsCompleteAndNamedOnce) {
  std::set<std::string_view> names;
  for (const auto& r : all()) {
    EXPECT_TRUE(names.insert(r.name).second) << r.name << " is listed twice";
    ASSERT_NE(r.os, nullptr) << r.name;
    EXPECT_EQ(r.os->glibc.substr(0, 6), "GLIBC_") << r.name;
    EXPECT_FALSE(r.handler_rule.empty()) << r.name;
    EXPECT_TRUE(r.x86_64 || r.arm64) << r.name;
    EXPECT_EQ(find(r.name), &r);
  }
  EXPECT_EQ(find("java21"), nullptr);
  EXPECT_EQ(find(""), nullptr);
  EXPECT_EQ(default_runtime().name, "provided.al2023");
}

struct row_case {
  const char* name;
  family kind;
  const char* os;
  const char* glibc;
  bool arm64;
  bool aws_refuses_create;
};

TEST(Registry, KnownRuntimesAsAwsDescribesThem) {
  const row_case cases[] = {
      {"provided.al2023", family::custom, "Amazon Linux 2023", "GLIBC_2.34", true, false},
      {"provided.al2", family::custom, "Amazon Linux 2", "GLIBC_2.26", true, false},
      {"provided", family::custom, "Amazon Linux 2018.03", "GLIBC_2.17", false, true},
      {"go1.x", family::go1x, "Amazon Linux 2018.03", "GLIBC_2.17", false, true},
      {"python3.11", family::python, "Amazon Linux 2", "GLIBC_2.26", true, false},
      {"python3.12", family::python, "Amazon Linux 2023", "GLIBC_2.34", true, false},
      {"python3.14", family::python, "Amazon Linux 2023", "GLIBC_2.34", true, false},
      {"nodejs18.x", family::nodejs, "Amazon Linux 2", "GLIBC_2.26", true, false},
      {"nodejs24.x", family::nodejs, "Amazon Linux 2023", "GLIBC_2.34", true, false},
  };
  for (const auto& c : cases) {
    const runtime_info* r = find(c.name);
    ASSERT_NE(r, nullptr) << c.name;
    EXPECT_EQ(r->kind, c.kind) << c.name;
    EXPECT_EQ(r->os->name, c.os) << c.name;
    EXPECT_EQ(r->os->glibc, c.glibc) << c.name;
    EXPECT_EQ(r->supports("arm64"), c.arm64) << c.name;
    EXPECT_TRUE(r->supports("x86_64")) << c.name;
    EXPECT_FALSE(r->supports("mips")) << c.name;
    EXPECT_EQ(!aws_create_refusal(*r).empty(), c.aws_refuses_create) << c.name;
  }
}

TEST(Registry, AwsRefusalNamesTheRuntimeAndTheMigration) {
  EXPECT_EQ(aws_create_refusal(*find("go1.x")),
            "The runtime parameter of go1.x is no longer supported for creating or updating AWS "
            "Lambda functions (deprecated 2024-01-08, creation blocked since 2024-02-08). The "
            "same source builds for provided.al2023: rebuild with `lambdakit build` (the binary "
            "becomes bootstrap) and deploy with --runtime provided.al2023.");
}

TEST(Registry, NamesWhereJoinsForMessages) {
  EXPECT_EQ(names_where([](const runtime_info& r) { return r.packages_native_binary(); }),
            "provided.al2023, provided.al2, provided and go1.x");
  EXPECT_EQ(names_where([](const runtime_info& r) { return r.kind == family::go1x; }), "go1.x");
  EXPECT_EQ(names_where([](const runtime_info& r) { return r.packages_stdio_host(); }),
            "nodejs24.x, nodejs22.x, nodejs20.x and nodejs18.x");
  EXPECT_EQ(names_where([](const runtime_info&) { return false; }), "");
}

TEST(Registry, EveryRuntimeOfTheFourPathsIsPackaged) {
  for (const auto& r : all()) {
    EXPECT_TRUE(r.packaged()) << r.name;
    int layouts = int{r.packages_native_binary()} + int{r.packages_python_module()} +
                  int{r.packages_stdio_host()};
    EXPECT_EQ(layouts, 1) << r.name << " has exactly one zip layout";
  }
}

}  // namespace
}  // namespace lambdakit::runtimes
