#include "platform/store/function_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace lambdakit::platform::store {
namespace {
namespace fs = std::filesystem;

class function_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lk-function-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  function_store open() {
    auto s = function_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message());
    return std::move(s).value();
  }
  static function_config fn(const std::string& name, const std::string& sha) {
    function_config f;
    f.name = name;
    f.code_sha256 = sha;
    f.revision_id = "r-" + name;
    return f;
  }
  fs::path dir_;
};

TEST_F(function_store_test, VersionsAndAliasesRoundTripAndSurviveReopening) {
  {
    auto s = open();
    auto latest = fn("f", "aaa");
    ASSERT_TRUE(s.put(latest));
    function_config v = latest;
    v.version = "1";
    v.revision_id = "r-v1";
    latest.last_version = 1;
    latest.published_revision_id = latest.revision_id;
    ASSERT_TRUE(s.put_version(v, latest));
    alias_config a{"f", "live", "1", "prod", {{"2", 0.25}}, "r-a"};
    ASSERT_TRUE(s.put_alias(a));
  }
  auto s = open();  // a new process: nothing from the caches
  auto latest = s.get("f");
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->version, "$LATEST");
  EXPECT_EQ((*latest)->last_version, 1);
  EXPECT_EQ((*latest)->published_revision_id, "r-f");
  auto v = s.get_version("f", 1);
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->version, "1");
  EXPECT_EQ((*v)->revision_id, "r-v1");
  EXPECT_FALSE(*s.get_version("f", 2));
  auto a = s.get_alias("f", "live");
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->function_version, "1");
  EXPECT_EQ((*a)->description, "prod");
  EXPECT_DOUBLE_EQ((*a)->additional_weights.at("2"), 0.25);
  EXPECT_FALSE(*s.get_alias("f", "other"));
  EXPECT_FALSE(*s.get_alias("g", "live"));
}

TEST_F(function_store_test, ListsVersionsInNumberOrderAndAliasesInNameOrder) {
  auto s = open();
  auto latest = fn("f", "aaa");
  ASSERT_TRUE(s.put(latest));
  for (int n : {1, 2, 10}) {  // 10 after 2: numbers, not text
    function_config v = latest;
    v.version = std::to_string(n);
    ASSERT_TRUE(s.put_version(v, latest));
  }
  auto all = s.list_versions("f", 0, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[2].version, "10");
  auto after = s.list_versions("f", 1, 1);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1U);
  EXPECT_EQ((*after)[0].version, "2");
  for (const char* name : {"b", "a", "c"}) ASSERT_TRUE(s.put_alias({"f", name, "1", "", {}, ""}));
  auto aliases = s.list_aliases("f", "a", 10);
  ASSERT_TRUE(aliases);
  ASSERT_EQ(aliases->size(), 2U);
  EXPECT_EQ((*aliases)[0].name, "b");
}

TEST_F(function_store_test, RemovingAFunctionTakesItsVersionsAndAliases) {
  auto s = open();
  auto latest = fn("f", "aaa");
  ASSERT_TRUE(s.put(latest));
  function_config v = latest;
  v.version = "1";
  v.code_sha256 = "bbb";
  ASSERT_TRUE(s.put_version(v, latest));
  ASSERT_TRUE(s.put_alias({"f", "live", "1", "", {}, ""}));
  ASSERT_TRUE(s.put(fn("g", "ccc")));
  EXPECT_TRUE(*s.uses_code("bbb"));  // a version's code is in use
  auto used = s.used_code();
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, (std::set<std::string>{"aaa", "bbb", "ccc"}));

  EXPECT_TRUE(*s.remove("f"));
  EXPECT_FALSE(*s.remove("f"));
  EXPECT_FALSE(*s.get("f"));
  EXPECT_FALSE(*s.get_version("f", 1));
  EXPECT_FALSE(*s.get_alias("f", "live"));
  EXPECT_FALSE(*s.uses_code("bbb"));
  EXPECT_TRUE(*s.get("g"));
  auto reopened = open();
  EXPECT_FALSE(*reopened.get_version("f", 1));
  EXPECT_TRUE(reopened.list_aliases("f", "", 10)->empty());
}

TEST_F(function_store_test, RemovesOneVersionOrAlias) {
  auto s = open();
  auto latest = fn("f", "aaa");
  ASSERT_TRUE(s.put(latest));
  function_config v = latest;
  v.version = "1";
  ASSERT_TRUE(s.put_version(v, latest));
  ASSERT_TRUE(s.put_alias({"f", "live", "1", "", {}, ""}));
  EXPECT_TRUE(*s.remove_version("f", 1));
  EXPECT_FALSE(*s.remove_version("f", 1));
  EXPECT_FALSE(*s.get_version("f", 1));
  EXPECT_TRUE(*s.remove_alias("f", "live"));
  EXPECT_FALSE(*s.remove_alias("f", "live"));
  EXPECT_TRUE(*s.get("f"));
}

}  // namespace
}  // namespace lambdakit::platform::store
