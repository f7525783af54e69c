// /tmp volumes (scratch_volume.h): made for real where this runs as root with loop devices and
// mkfs.ext4; skipped, saying why, elsewhere.
#include "platform/env/scratch_volume.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace lambdakit::platform::env {
namespace {
namespace fs = std::filesystem;

TEST(ScratchVolume, HoldsItsSizeAndGoesAtOnce) {
  if (!probe_scratch_support().available) GTEST_SKIP() << probe_scratch_support().why_not;
  testing::temp_dir tmp;
  fs::path dir = tmp / "vol";
  auto made = make_scratch_volume(dir, 512, 993, 990);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_TRUE(is_mount_point(dir));
  EXPECT_FALSE(fs::exists(tmp / "vol.img"));  // unlinked: the space goes with the mount
  EXPECT_TRUE(fs::is_empty(dir));             // no lost+found
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 993u);
  EXPECT_EQ(st.st_gid, 990u);
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(dir.c_str(), &vfs), 0);
  double size = static_cast<double>(vfs.f_blocks) * static_cast<double>(vfs.f_frsize);
  EXPECT_GT(size, 0.9 * 512 * 1024 * 1024);
  EXPECT_LE(size, 512.0 * 1024 * 1024);
  remove_scratch_volume(dir);
  EXPECT_FALSE(fs::exists(dir));
}

TEST(ScratchVolume, LeftoversBelowARootAreUnmounted) {
  if (!probe_scratch_support().available) GTEST_SKIP() << probe_scratch_support().why_not;
  testing::temp_dir tmp;
  fs::path root = tmp / "tmp";
  fs::create_directories(root);
  ASSERT_TRUE(make_scratch_volume(root / "a b", 512, 0, 0));
  ASSERT_TRUE(make_scratch_volume(root / "c", 512, 0, 0));
  unmount_all_below(root);
  EXPECT_FALSE(is_mount_point(root / "a b"));
  EXPECT_FALSE(is_mount_point(root / "c"));
}

TEST(ScratchPool, GivesSparesAndMakesOtherSizesOnDemand) {
  if (!probe_scratch_support().available) GTEST_SKIP() << probe_scratch_support().why_not;
  testing::temp_dir tmp;
  scratch_pool pool(tmp.path(), 0, 0, 1);
  for (int mb : {512, 1024}) {
    auto v = pool.take(mb);
    ASSERT_TRUE(v) << v.error().message();
    struct statvfs vfs {};
    ASSERT_EQ(::statvfs(v->c_str(), &vfs), 0);
    double size = static_cast<double>(vfs.f_blocks) * static_cast<double>(vfs.f_frsize);
    EXPECT_GT(size, 0.9 * mb * 1024 * 1024) << mb;
    EXPECT_LE(size, mb * 1024.0 * 1024) << mb;
    remove_scratch_volume(*v);
  }
}

// A volume given back is emptied and handed out again, its root as new: what one function left
// in its /tmp never reaches the next.
TEST(ScratchPool, AVolumeGivenBackComesBackEmpty) {
  if (!probe_scratch_support().available) GTEST_SKIP() << probe_scratch_support().why_not;
  testing::temp_dir tmp;
  scratch_pool pool(tmp.path(), 993, 990, 1);
  auto v = pool.take(512);
  ASSERT_TRUE(v) << v.error().message();
  fs::create_directories(*v / "left/deep");
  testing::write_file(*v / "left/deep/secret", "x");
  ASSERT_EQ(::chmod(v->c_str(), 0), 0);
  EXPECT_TRUE(pool.give_back(*v));
  EXPECT_FALSE(pool.give_back(tmp / "not-a-volume"));
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {  // the worker empties it, then it is a spare
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto again = pool.take(512);
    ASSERT_TRUE(again);
    if (*again == *v) {
      seen = true;
      EXPECT_TRUE(fs::is_empty(*again));
      struct stat st {};
      ASSERT_EQ(::stat(again->c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 07777, 0755u);
      EXPECT_EQ(st.st_uid, 993u);
    } else {
      remove_scratch_volume(*again);
    }
  }
  EXPECT_TRUE(seen) << "the volume given back was never handed out again";
  remove_scratch_volume(*v);
}

}  // namespace
}  // namespace lambdakit::platform::env
