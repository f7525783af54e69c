// gob's primitive encodings (src/wire/gob/primitives.h, the writers of encoder.h): the uint and
// int encodings of the spec's examples (go1x-rpc.md section 4), round trips at every byte-count
// boundary and at the ends of the 64-bit ranges, floats, bools, strings; the cursor's failures
// (truncated values, length bytes above 8, byte strings longer than the message);
// for_each_field's delta walk; struct_writer's omission of zero values; and the error category.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "support/gob_bytes.h"
#include "wire/gob/encoder.h"
#include "wire/gob/primitives.h"

namespace lambdakit::wire::gob {
namespace {

using lambdakit::testing::hex;
using lambdakit::testing::unhex;

std::string uint_bytes(std::uint64_t v) {
  std::string out;
  append_uint(out, v);
  return out;
}

std::string int_bytes(std::int64_t v) {
  std::string out;
  append_int(out, v);
  return out;
}

TEST(GobUint, EncodesAsTheSpecSays) {
  struct {
    const char* name;
    std::uint64_t value;
    const char* hex;
  } cases[] = {
      {"zero", 0, "00"},
      {"seven", 7, "07"},
      {"largest one-byte", 127, "7f"},
      {"smallest two-byte", 128, "ff80"},
      {"244", 244, "fff4"},
      {"255", 255, "ffff"},
      {"256", 256, "fe0100"},
      {"65535", 65535, "feffff"},
      {"65536", 65536, "fd010000"},
      {"2^32", std::uint64_t{1} << 32, "fb0100000000"},
      {"2^56", std::uint64_t{1} << 56, "f80100000000000000"},
      {"2^63", std::uint64_t{1} << 63, "f88000000000000000"},
      {"max", std::numeric_limits<std::uint64_t>::max(), "f8ffffffffffffffff"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(hex(uint_bytes(c.value)), c.hex);
    std::string bytes = unhex(c.hex);
    cursor r(bytes);
    auto v = r.read_uint();
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(*v, c.value);
    EXPECT_TRUE(r.at_end());
  }
}

TEST(GobInt, EncodesAsTheSpecSays) {
  struct {
    const char* name;
    std::int64_t value;
    const char* hex;
  } cases[] = {
      {"zero", 0, "00"},
      {"one", 1, "02"},
      {"minus one", -1, "01"},
      {"twelve", 12, "18"},
      {"63", 63, "7e"},
      {"-64", -64, "7f"},
      {"64", 64, "ff80"},
      {"65", 65, "ff82"},
      {"-65", -65, "ff81"},
      {"-129", -129, "fe0101"},
      {"1527415833", 1527415833, "fcb6150832"},
      {"32849522", 32849522, "fc03ea7ce4"},
      {"int64 max", std::numeric_limits<std::int64_t>::max(), "f8fffffffffffffffe"},
      {"int64 min", std::numeric_limits<std::int64_t>::min(), "f8ffffffffffffffff"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(hex(int_bytes(c.value)), c.hex);
    std::string bytes = unhex(c.hex);
    cursor r(bytes);
    auto v = r.read_int();
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(*v, c.value);
    EXPECT_TRUE(r.at_end());
  }
}

TEST(GobUint, RoundTripsAtBoundaries) {
  std::vector<std::uint64_t> values = {0, 1, 127, 128, 255, 256};
  for (int bytes = 2; bytes <= 8; ++bytes) {
    std::uint64_t top = bytes == 8 ? std::numeric_limits<std::uint64_t>::max()
                                   : (std::uint64_t{1} << (8 * bytes)) - 1;
    values.push_back(top);
    if (bytes < 8) values.push_back(top + 1);
  }
  values.push_back((std::uint64_t{1} << 63) - 1);
  values.push_back(std::uint64_t{1} << 63);
  for (std::uint64_t v : values) {
    SCOPED_TRACE(v);
    std::string out = uint_bytes(v);
    std::size_t want = 1;
    if (v >= 128) want += static_cast<std::size_t>((64 - std::countl_zero(v) + 7) / 8);
    EXPECT_EQ(out.size(), want);
    cursor c(out);
    auto back = c.read_uint();
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, v);
    EXPECT_TRUE(c.at_end());
  }
}

TEST(GobInt, RoundTripsAtBoundaries) {
  using limits = std::numeric_limits<std::int64_t>;
  std::vector<std::int64_t> values = {0,
                                      1,
                                      -1,
                                      63,
                                      -64,
                                      64,
                                      -65,
                                      127,
                                      128,
                                      -128,
                                      -129,
                                      255,
                                      256,
                                      std::numeric_limits<std::int32_t>::max(),
                                      std::numeric_limits<std::int32_t>::min(),
                                      std::int64_t{1} << 62,
                                      -(std::int64_t{1} << 62),
                                      limits::max(),
                                      limits::max() - 1,
                                      limits::min(),
                                      limits::min() + 1};
  for (std::int64_t v : values) {
    SCOPED_TRACE(v);
    std::string out = int_bytes(v);
    cursor c(out);
    auto back = c.read_int();
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, v);
    EXPECT_TRUE(c.at_end());
  }
}

TEST(GobFloat, RoundTrips) {
  using limits = std::numeric_limits<double>;
  // Go's doc: 17.0 is FE 31 40 (bits 0x4031000000000000, reversed 0x3140).
  std::string seventeen;
  append_float(seventeen, 17.0);
  EXPECT_EQ(hex(seventeen), "fe3140");

  const double values[] = {0.0,
                           -0.0,
                           1.0,
                           -1.5,
                           17.0,
                           0.1,
                           1e300,
                           limits::min(),
                           limits::max(),
                           limits::denorm_min(),
                           -limits::infinity(),
                           limits::infinity(),
                           limits::quiet_NaN()};
  for (double v : values) {
    SCOPED_TRACE(v);
    std::string out;
    append_float(out, v);
    cursor c(out);
    auto back = c.read_float();
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(std::bit_cast<std::uint64_t>(*back), std::bit_cast<std::uint64_t>(v));
    EXPECT_TRUE(c.at_end());
  }
}

TEST(GobBool, IsAUintZeroOrOne) {
  std::string out;
  append_bool(out, false);
  append_bool(out, true);
  EXPECT_EQ(hex(out), "0001");
  cursor c(out);
  auto f = c.read_bool();
  auto t = c.read_bool();
  ASSERT_TRUE(f);
  ASSERT_TRUE(t);
  EXPECT_FALSE(*f);
  EXPECT_TRUE(*t);

  std::string two = "\x02";
  cursor bad(two);
  auto r = bad.read_bool();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(error::type_mismatch));
}

TEST(GobBytes, LengthThenBytes) {
  struct {
    const char* name;
    std::string value;
    std::string prefix_hex;
  } cases[] = {
      {"empty", "", "00"},
      {"abc", "abc", "03"},
      {"binary", std::string("\0\xff\x80", 3), "03"},
      {"127 bytes", std::string(127, 'x'), "7f"},
      {"128 bytes", std::string(128, 'x'), "ff80"},
      {"300 bytes", std::string(300, 'y'), "fe012c"},
      {"1 MB", std::string(1 << 20, 'z'), "fd100000"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out;
    append_bytes(out, c.value);
    std::string prefix = unhex(c.prefix_hex);
    ASSERT_EQ(out.size(), prefix.size() + c.value.size());
    EXPECT_EQ(hex(out.substr(0, prefix.size())), c.prefix_hex);
    out += "\x07";  // something after the value: the view must stop at its length
    cursor r(out);
    auto v = r.read_bytes();
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(*v, c.value);
    EXPECT_EQ(r.remaining(), 1u);
  }
}

TEST(GobCursor, TracksPosition) {
  std::string bytes;
  append_uint(bytes, 300);       // 3 bytes
  append_int(bytes, -1);         // 1
  append_bytes(bytes, "hello");  // 6
  cursor c(bytes);
  EXPECT_EQ(c.remaining(), 10u);
  ASSERT_TRUE(c.read_uint());
  EXPECT_EQ(c.position(), 3u);
  ASSERT_TRUE(c.read_int());
  EXPECT_EQ(c.position(), 4u);
  ASSERT_TRUE(c.skip(1));
  EXPECT_EQ(c.remaining(), 5u);
  ASSERT_TRUE(c.skip(5));
  EXPECT_TRUE(c.at_end());
  ASSERT_TRUE(c.skip(0));
}

TEST(GobCursor, FailsWithoutReadingPastTheEnd) {
  enum class op { read_uint, read_int, read_bool, read_float, read_bytes, skip4 };
  struct {
    const char* name;
    std::string hex;
    op what;
    error code;
  } cases[] = {
      {"uint from nothing", "", op::read_uint, error::truncated},
      {"int from nothing", "", op::read_int, error::truncated},
      {"bool from nothing", "", op::read_bool, error::truncated},
      {"float from nothing", "", op::read_float, error::truncated},
      {"bytes from nothing", "", op::read_bytes, error::truncated},
      {"one length byte, no value", "ff", op::read_uint, error::truncated},
      {"two of three bytes", "fd0102", op::read_uint, error::truncated},
      {"seven of eight bytes", "f801020304050607", op::read_int, error::truncated},
      {"length byte says 9", "f7010203040506070809", op::read_uint, error::bad_length},
      {"length byte says 128", "80", op::read_uint, error::bad_length},
      {"length byte says 9 in an int", "f7010203040506070809", op::read_int, error::bad_length},
      {"float of 9 bytes", "f7010203040506070809", op::read_float, error::bad_length},
      {"bytes longer than the rest", "05616263", op::read_bytes, error::bad_length},
      {"bytes of 128 with 3", "ff80616263", op::read_bytes, error::bad_length},
      {"bytes of 2^64-1", "f8ffffffffffffffff00", op::read_bytes, error::bad_length},
      {"bytes length truncated", "fe01", op::read_bytes, error::truncated},
      {"skip past the end", "010203", op::skip4, error::truncated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string bytes = unhex(c.hex);
    cursor r(bytes);
    std::error_code got;
    switch (c.what) {
      case op::read_uint:
        if (auto v = r.read_uint(); !v) got = v.error().code;
        break;
      case op::read_int:
        if (auto v = r.read_int(); !v) got = v.error().code;
        break;
      case op::read_bool:
        if (auto v = r.read_bool(); !v) got = v.error().code;
        break;
      case op::read_float:
        if (auto v = r.read_float(); !v) got = v.error().code;
        break;
      case op::read_bytes:
        if (auto v = r.read_bytes(); !v) got = v.error().code;
        break;
      case op::skip4:
        if (auto v = r.skip(4); !v) got = v.error().code;
        break;
    }
    EXPECT_EQ(got, make_error_code(c.code));
    EXPECT_LE(r.position(), bytes.size());
  }
}

// A struct value as (field, value) pairs, each value a uint; or the failure.
result<std::vector<std::pair<std::size_t, std::uint64_t>>> walk(const std::string& hex_bytes,
                                                                std::size_t field_count) {
  std::string bytes = unhex(hex_bytes);
  cursor c(bytes);
  std::vector<std::pair<std::size_t, std::uint64_t>> seen;
  auto r = for_each_field(c, field_count, [&](std::size_t f) -> result<void> {
    auto v = c.read_uint();
    if (!v) return std::move(v).error();
    seen.emplace_back(f, *v);
    return {};
  });
  if (!r) return std::move(r).error();
  if (!c.at_end()) return make_failure(error::extra_data);
  return seen;
}

TEST(GobForEachField, DeltasNumberTheFields) {
  using fields = std::vector<std::pair<std::size_t, std::uint64_t>>;
  struct {
    const char* name;
    const char* hex;
    std::size_t field_count;
    fields want;
  } cases[] = {
      {"empty struct", "00", 0, {}},
      {"no field present", "00", 3, {}},
      {"field 0", "010700", 3, {{0, 7}}},
      {"fields 0, 2, 5", "010a020b030c00", 6, {{0, 10}, {2, 11}, {5, 12}}},
      {"last field only", "06ff8000", 6, {{5, 128}}},
      {"every field", "0101010201030104010500", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = walk(c.hex, c.field_count);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, c.want);
  }
}

TEST(GobForEachField, RefusesFieldsPastTheEnd) {
  struct {
    const char* name;
    const char* hex;
    std::size_t field_count;
    error code;
    const char* detail;
  } cases[] = {
      {"a field of a struct without fields", "010100", 0, error::bad_field, "field 0"},
      {"field 2 of 2", "030100", 2, error::bad_field, "field 2 of a struct with 2 fields"},
      {"past the end after field 1", "0201020100", 2, error::bad_field, "field 3"},
      {"a delta of 2^64-1", "f8ffffffffffffffff0100", 4, error::bad_field, "of a struct with 4"},
      {"no closing 0", "0101", 2, error::truncated, ""},
      {"value cut short", "01", 2, error::truncated, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = walk(c.hex, c.field_count);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(c.code)) << r.error().message();
    EXPECT_NE(r.error().message().find(c.detail), std::string::npos) << r.error().message();
  }
}

TEST(GobForEachField, StopsAtTheFirstFailingField) {
  std::string bytes = unhex("0101010201030000");
  cursor c(bytes);
  int calls = 0;
  auto r = for_each_field(c, 3, [&](std::size_t f) -> result<void> {
    ++calls;
    if (f == 1) return make_failure(error::type_mismatch, "field 1");
    return c.read_uint().ok() ? result<void>{} : make_failure(error::truncated);
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(error::type_mismatch));
  EXPECT_EQ(calls, 2);
}

TEST(GobStructWriter, OmitsZeroValuesAndKeepsNestedStructs) {
  // InvokeRequest{Payload: `"panic"`}: the all-zero Deadline (field 3) is still sent, as `03 00`
  // (recorded vector, section 4).
  std::string body;
  struct_writer w(body);
  w.bytes_field(0, "\"panic\"").bytes_field(1, "").bytes_field(2, "");
  w.begin_struct(3).int_field(0, 0).int_field(1, 0).end();
  w.bytes_field(4, "").bytes_field(5, "").bytes_field(6, "").bytes_field(7, "");
  w.end();
  EXPECT_EQ(hex(body),
            "01072270616e6963220300"
            "00");

  std::string zeros;
  struct_writer z(zeros);
  z.uint_field(0, 0).int_field(1, 0).bool_field(2, false).bytes_field(3, "");
  EXPECT_FALSE(z.begin_slice(4, 0));
  z.end();
  EXPECT_EQ(hex(zeros), "00");

  std::string some;
  struct_writer s(some);
  s.uint_field(1, 5).bool_field(2, true).int_field(4, -1);
  EXPECT_TRUE(s.begin_slice(6, 2));
  append_uint(some, 9);
  append_uint(some, 8);
  s.end();
  // delta 2 (field 1) 5, delta 1 true, delta 2 -1, delta 2 count 2: 9 8, end
  EXPECT_EQ(hex(some),
            "0205"
            "0101"
            "0201"
            "0202"
            "0908"
            "00");
}

TEST(GobMessage, LengthThenIdThenPayload) {
  std::string out;
  append_message(out, 65, std::string(1, '\0'));
  EXPECT_EQ(hex(out), "03ff8200");
  out.clear();
  append_message(out, -64, "");  // Go 1.21's first definition id is one byte: 0x7f
  EXPECT_EQ(hex(out), "017f");
  out.clear();
  append_message(out, 66, std::string(200, 'a'));
  EXPECT_EQ(hex(out.substr(0, 4)), "ffcaff84");  // 202 = 2 (id) + 200
  EXPECT_EQ(out.size(), 4u + 200u);
}

TEST(GobErrors, EveryCodeHasAMessage) {
  for (int e = static_cast<int>(error::truncated); e <= static_cast<int>(error::extra_data); ++e) {
    std::error_code ec = make_error_code(static_cast<error>(e));
    EXPECT_STREQ(ec.category().name(), "gob");
    EXPECT_NE(ec.message(), "gob error") << e;
    EXPECT_TRUE(ec) << e;
  }
}

}  // namespace
}  // namespace lambdakit::wire::gob
