#include "package/zip_writer.h"

#include <gtest/gtest.h>

namespace lambdakit::package {
namespace {

TEST(ZipWriter, SameEntriesInAnyOrderGiveTheSameBytes) {
  std::vector<zip_entry> a = {{"bootstrap", "binary", 0755}, {"lib/libc.so.6", "libc", 0755}};
  std::vector<zip_entry> b = {a[1], a[0]};
  EXPECT_EQ(make_zip(a), make_zip(b));
  EXPECT_NE(make_zip(a), make_zip({{"bootstrap", "binary", 0644}, a[1]}));  // modes are kept
}

TEST(ZipWriter, ANameCollisionIsNamed) {
  EXPECT_EQ(entry_name_problem(
                {{"bootstrap", "a", 0755}, {"lib/x.so", "b", 0755}, {"bootstrap", "c", 0755}}),
            "two files would be named \"bootstrap\" in the zip");
  EXPECT_EQ(entry_name_problem({{"bootstrap", "a", 0755}, {"lib/bootstrap", "b", 0755}}), "");
}

TEST(ZipWriter, UnsafeNamesAreRefused) {
  for (const char* name :
       {"", "/etc/passwd", "../bootstrap", "lib/../../x", "lib//x", "./x", "lib/", "lib\\x.so"}) {
    EXPECT_NE(entry_name_problem({{name, "x", 0644}}), "") << name;
  }
  EXPECT_EQ(entry_name_problem({{"lib/ld-linux-x86-64.so.2", "x", 0755}, {"a..b", "y", 0644}}), "");
}

}  // namespace
}  // namespace lambdakit::package
