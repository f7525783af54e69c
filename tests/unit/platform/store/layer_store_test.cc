#include "platform/store/layer_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "platform/store/function_store.h"
#include "platform/store/layer_trees.h"

namespace lambdakit::platform::store {
namespace {
namespace fs = std::filesystem;

class layer_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lk-layer-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static layer_version layer(const std::string& name, const std::string& sha) {
    layer_version v;
    v.name = name;
    v.code_sha256 = sha;
    v.compatible_runtimes = {"provided.al2023"};
    return v;
  }
  // A file in the code store's tree of `sha`.
  void put(const std::string& sha, const std::string& rel, const std::string& text) {
    fs::path p = dir_ / "code" / sha / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

TEST_F(layer_store_test, NumbersVersionsPerNameAndNeverReusesOne) {
  auto functions = function_store::open(dir_.string());
  ASSERT_TRUE(functions);
  auto layers = layer_store::open(functions->db());
  ASSERT_TRUE(layers);
  EXPECT_EQ(layers->publish(layer("a", "s1"))->version, 1);
  EXPECT_EQ(layers->publish(layer("a", "s2"))->version, 2);
  EXPECT_EQ(layers->publish(layer("b", "s1"))->version, 1);
  ASSERT_TRUE(*layers->remove("a", 1));
  ASSERT_TRUE(*layers->remove("a", 2));
  EXPECT_FALSE(*layers->remove("a", 2));
  // Every version of "a" is gone, and still the next one is 3 (as on Lambda).
  EXPECT_EQ(layers->publish(layer("a", "s3"))->version, 3);
  auto got = layers->get("a", 3);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->code_sha256, "s3");
  EXPECT_EQ((*got)->compatible_runtimes, std::vector<std::string>{"provided.al2023"});
  EXPECT_FALSE(*layers->get("a", 1));
}

TEST_F(layer_store_test, ListsNewestFirstAndNamesInOrder) {
  auto functions = function_store::open(dir_.string());
  auto layers = layer_store::open(functions->db());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(layers->publish(layer("x", "s")));
  ASSERT_TRUE(layers->publish(layer("c", "s")));
  auto page = layers->versions("x", 0, 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].version, 5);
  EXPECT_EQ((*page)[1].version, 4);
  auto next = layers->versions("x", 4, 10);
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ(next->front().version, 3);
  EXPECT_EQ(*layers->names("", 10), (std::vector<std::string>{"c", "x"}));
  EXPECT_EQ(*layers->names("c", 10), (std::vector<std::string>{"x"}));
}

TEST_F(layer_store_test, CodeStaysInUseWhileAFunctionHasTheLayerAfterItsVersionIsDeleted) {
  auto functions = function_store::open(dir_.string());
  auto layers = layer_store::open(functions->db());
  ASSERT_TRUE(layers->publish(layer("lib", "layersha")));
  EXPECT_TRUE(*layers->uses_code("layersha"));
  function_config f;
  f.name = "fn";
  f.code_sha256 = "fnsha";
  f.layers = {{"arn:aws:lambda:us-east-1:000000000000:layer:lib:1", 10, "layersha", 20}};
  ASSERT_TRUE(functions->put(f));
  ASSERT_TRUE(*layers->remove("lib", 1));
  EXPECT_FALSE(*layers->uses_code("layersha"));
  EXPECT_TRUE(*functions->uses_code("layersha"));
  EXPECT_TRUE(functions->used_code()->contains("layersha"));
  auto back = functions->get("fn");
  ASSERT_TRUE(back && *back);
  ASSERT_EQ((*back)->layers.size(), 1u);
  EXPECT_EQ((*back)->layers[0].unzipped_bytes, 20u);
}

TEST_F(layer_store_test, TreesMergeInOrderWithTheLaterLayerWinning) {
  code_store code(dir_);
  put("one", "lib/libshared.so", "from one");
  put("one", "lib/libonly1.so", "1");
  put("two", "lib/libshared.so", "from two");
  put("two", "bin/tool", "t");
  layer_trees trees(dir_, code);
  std::vector<layer_ref> list = {{"arn:1", 1, "one", 1}, {"arn:2", 1, "two", 1}};
  auto tree = trees.ensure(list);
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(read(*tree / "lib/libshared.so"), "from two");
  EXPECT_EQ(read(*tree / "lib/libonly1.so"), "1");
  EXPECT_EQ(read(*tree / "bin/tool"), "t");
  // The other order is another tree, in which the first layer's file wins.
  std::vector<layer_ref> reversed = {list[1], list[0]};
  auto other = trees.ensure(reversed);
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *tree);
  EXPECT_EQ(read(*other / "lib/libshared.so"), "from one");
  // No layers: an empty tree. Collecting keeps only the trees named.
  auto none = trees.ensure({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(fs::is_empty(*none));
  EXPECT_EQ(trees.collect({layer_trees::key(list), layer_trees::key({})}), 1u);
  EXPECT_TRUE(fs::exists(*tree));
  EXPECT_FALSE(fs::exists(*other));
  // A layer whose code is missing is an error, and leaves nothing behind.
  auto missing = trees.ensure({{"arn:9", 1, "nine", 1}});
  EXPECT_FALSE(missing);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "opt"), fs::directory_iterator()), 2);
}

}  // namespace
}  // namespace lambdakit::platform::store
