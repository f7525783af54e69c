// The stdio frame codec (wire/stdio/frame.h): exact bytes, binary safety, reassembly from
// any cut, and a clear error for each way bytes can fail to be frames.
#include <gtest/gtest.h>

#include <string>

#include "wire/stdio/frame.h"

namespace lambdakit::wire::stdio {
namespace {

std::string hello_bytes() {
  std::string out;
  frame_writer w(out, frame_type::hello);
  w.add(field::version, std::uint64_t{1}).add(field::pid, std::uint64_t{42});
  EXPECT_TRUE(w.finish());
  return out;
}

TEST(StdioFrame, TheBytesAreTheDocumentedOnes) {
  // docs/stdio.md, "A hello, byte by byte".
  std::string expect(
      "LK\x01\x00\x00\x00\x00\x0d"
      "\x01\x00\x00\x00\x01"
      "1"
      "\x10\x00\x00\x00\x02"
      "42",
      21);
  EXPECT_EQ(hello_bytes(), expect);
}

TEST(StdioFrame, ValuesAreBinarySafeAndRoundTrip) {
  std::string payload("a\0b\nLK\x02\xff", 8);
  std::string out;
  frame_writer w(out, frame_type::invoke);
  w.add(field::request_id, "req-1").add(field::payload, payload).add(field::stack_frame, "one");
  w.add(field::stack_frame, "two").add(field::message, "");
  ASSERT_TRUE(w.finish());
  frame_reader r;
  r.feed(out);
  auto f = r.next();
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_TRUE(*f);
  EXPECT_EQ((*f)->type, frame_type::invoke);
  EXPECT_EQ((*f)->get(field::request_id), "req-1");
  EXPECT_EQ((*f)->get(field::payload), payload);
  EXPECT_EQ((*f)->all(field::stack_frame), (std::vector<std::string_view>{"one", "two"}));
  EXPECT_TRUE((*f)->has(field::message));
  EXPECT_FALSE((*f)->has(field::trace_id));
  EXPECT_EQ((*f)->get(field::trace_id), "");
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(StdioFrame, AFrameCopiedOrMovedKeepsItsValues) {
  std::string out = hello_bytes();
  frame_reader r;
  r.feed(out);
  frame moved = std::move(**r.next());
  frame copy = moved;
  EXPECT_EQ(moved.get(field::pid), "42");
  EXPECT_EQ(copy.get(field::version), "1");
}

TEST(StdioFrame, FramesCutAnywhereAreReassembled) {
  std::string stream = hello_bytes() + hello_bytes();
  std::string out;
  frame_writer w(out, frame_type::response);
  w.add(field::payload, std::string(100000, 'x'));
  ASSERT_TRUE(w.finish());
  stream += out;
  frame_reader r;
  int frames = 0;
  for (char c : stream) {
    r.feed(std::string_view(&c, 1));
    while (true) {
      auto f = r.next();
      ASSERT_TRUE(f) << f.error().message();
      if (!*f) break;
      ++frames;
      if (frames == 3) {
        EXPECT_EQ((*f)->get(field::payload).size(), 100000u);
      }
    }
  }
  EXPECT_EQ(frames, 3);
}

TEST(StdioFrame, PartialFramesWaitAndSayHowMuchIsBuffered) {
  std::string h = hello_bytes();
  frame_reader r;
  r.feed(h.substr(0, 10));
  auto f = r.next();
  ASSERT_TRUE(f);
  EXPECT_FALSE(*f);
  EXPECT_EQ(r.buffered(), 10u);
  EXPECT_EQ(r.announced(), 13u);
}

TEST(StdioFrame, GarbageIsRefusedOnItsFirstByte) {
  frame_reader r;
  r.feed("h");
  auto f = r.next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, std::errc::bad_message);
  EXPECT_NE(f.error().detail.find("not lambdakit stdio frames"), std::string::npos);
  EXPECT_NE(f.error().detail.find("68 \"h\""), std::string::npos) << f.error().detail;
  frame_reader r2;
  r2.feed("Lx");
  EXPECT_FALSE(r2.next());
}

TEST(StdioFrame, UnknownTypesAndFlagsAreRefused) {
  frame_reader r;
  r.feed(std::string("LK\x63", 3));
  auto f = r.next();
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().detail.find("unknown frame type 99"), std::string::npos);
  frame_reader r2;
  r2.feed(std::string("LK\x01\x01", 4));
  EXPECT_FALSE(r2.next());
}

TEST(StdioFrame, AnOversizedFrameIsRefusedFromItsHeaderAlone) {
  frame_reader r;
  r.feed(std::string("LK\x03\x00\x06\x40\x00\x00", 8));  // 100 MiB announced
  auto f = r.next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, std::errc::message_size);
  EXPECT_NE(f.error().detail.find("a response frame of 104857600 bytes"), std::string::npos)
      << f.error().detail;
}

TEST(StdioFrame, AFieldRunningPastTheBodyIsRefused) {
  std::string bad(
      "LK\x01\x00\x00\x00\x00\x07\x01\x00\x00\x00\x09"
      "ab",
      15);
  frame_reader r;
  r.feed(bad);
  auto f = r.next();
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().detail.find("field 1 says 9 bytes, but only 2 remain"), std::string::npos);
  std::string cut("LK\x01\x00\x00\x00\x00\x03\x01\x00\x00", 11);
  frame_reader r2;
  r2.feed(cut);
  EXPECT_FALSE(r2.next());
}

TEST(StdioFrame, TheWriterRefusesAFrameOverTheLimitAndLeavesTheBufferAsItWas) {
  std::string out = "before";
  frame_writer w(out, frame_type::response);
  w.add(field::payload, std::string(max_body, 'x'));
  auto f = w.finish();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, std::errc::message_size);
  EXPECT_EQ(out, "before");
}

TEST(StdioFrame, EveryTypeHasAName) {
  for (int t = 1; t <= 10; ++t) EXPECT_NE(name(static_cast<frame_type>(t)), "unknown");
}

}  // namespace
}  // namespace lambdakit::wire::stdio
