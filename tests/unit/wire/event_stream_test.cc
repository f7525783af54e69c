#include "wire/event_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace lambdakit::wire::event_stream {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  int half = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    int v = c <= '9' ? c - '0' : c - 'a' + 10;
    if (half < 0) {
      half = v;
    } else {
      out.push_back(static_cast<char>(half * 16 + v));
      half = -1;
    }
  }
  return out;
}

message lambda_event(std::string_view event_type, std::string_view content_type,
                     std::string payload) {
  message m;
  m.headers = {{":event-type", value_type::string, std::string(event_type)},
               {":content-type", value_type::string, std::string(content_type)},
               {":message-type", value_type::string, "event"}};
  m.payload = std::move(payload);
  return m;
}

std::string encode(const message& m) {
  std::string out;
  EXPECT_TRUE(append(out, m).ok());
  return out;
}

// botocore tests/unit/test_eventstream.py: PAYLOAD_ONE_STR_HEADER and EMPTY_MESSAGE.
const std::string botocore_one_header = from_hex(
    "0000003d 00000020 07fd8396 0c 636f6e74656e742d74797065 07 0010 "
    "6170706c69636174696f6e2f6a736f6e 7b27666f6f273a27626172277d 8d9c08b1");
const std::string botocore_empty = from_hex("00000010 00000000 05c248eb 7d98c8ff");

// Frames of an InvokeWithResponseStream answer as Lambda sends them (the recorded fixture in
// Kong's spec/fixtures/aws-lambda.lua): a PayloadChunk of "Hello world " and InvokeComplete {}.
const std::string lambda_chunk = from_hex(
    "00000076 0000005a 980e72ec 0b3a6576656e742d74797065 07000c 5061796c6f61644368756e6b "
    "0d3a636f6e74656e742d74797065 070018 6170706c69636174696f6e2f6f637465742d73747265616d "
    "0d3a6d6573736167652d74797065 070005 6576656e74 48656c6c6f20776f726c6420 33971fd8");
const std::string lambda_complete = from_hex(
    "00000066 00000054 1f56c869 0b3a6576656e742d74797065 07000e 496e766f6b65436f6d706c657465 "
    "0d3a636f6e74656e742d74797065 070010 6170706c69636174696f6e2f6a736f6e "
    "0d3a6d6573736167652d74797065 070005 6576656e74 7b7d 7006d467");

TEST(EventStream, Crc32CheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);
  EXPECT_EQ(crc32(""), 0U);
  EXPECT_EQ(crc32("56789", crc32("1234")), 0xCBF43926U);  // continues across parts
}

TEST(EventStream, EncodesBotocoreVectors) {
  message m;
  m.headers = {{"content-type", value_type::string, "application/json"}};
  m.payload = "{'foo':'bar'}";
  EXPECT_EQ(encode(m), botocore_one_header);
  EXPECT_EQ(encode(message{}), botocore_empty);
}

TEST(EventStream, EncodesLambdaFramesByteForByte) {
  EXPECT_EQ(encode(lambda_event("PayloadChunk", "application/octet-stream", "Hello world ")),
            lambda_chunk);
  EXPECT_EQ(encode(lambda_event("InvokeComplete", "application/json", "{}")), lambda_complete);
}

TEST(EventStream, DecodesWhatItIsGivenInAnyCuts) {
  std::string stream = lambda_chunk + botocore_one_header + lambda_complete;
  for (std::size_t cut = 1; cut <= stream.size(); cut += 7) {
    decoder d;
    std::vector<message> got;
    for (std::size_t i = 0; i < stream.size(); i += cut) {
      d.feed(std::string_view(stream).substr(i, cut));
      while (true) {
        auto m = d.next();
        ASSERT_TRUE(m.ok()) << m.error().message();
        if (!*m) break;
        got.push_back(std::move(**m));
      }
    }
    ASSERT_EQ(got.size(), 3U) << "cut " << cut;
    EXPECT_EQ(got[0].string_header(":event-type"), "PayloadChunk");
    EXPECT_EQ(got[0].payload, "Hello world ");
    EXPECT_EQ(got[1].string_header("content-type"), "application/json");
    EXPECT_EQ(got[2].string_header(":event-type"), "InvokeComplete");
    EXPECT_EQ(got[2].payload, "{}");
    EXPECT_EQ(d.buffered(), 0U);
  }
}

TEST(EventStream, EveryValueTypeRoundTrips) {
  message m;
  m.headers = {{"t", value_type::bool_true, ""},
               {"f", value_type::bool_false, ""},
               {"b", value_type::byte, "\x7f"},
               {"s", value_type::int16, std::string("\x01\x02", 2)},
               {"i", value_type::int32, std::string("\x00\x00\x00\x2a", 4)},
               {"l", value_type::int64, std::string(8, '\x01')},
               {"a", value_type::byte_array, std::string("\x00\xff\x00", 3)},
               {"str", value_type::string, "text"},
               {"ts", value_type::timestamp, std::string(8, '\x02')},
               {"u", value_type::uuid, std::string(16, '\x03')}};
  m.payload = std::string("\x00\x01\x02", 3);
  decoder d;
  d.feed(encode(m));
  auto got = d.next();
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ(**got, m);
}

TEST(EventStream, EncoderRefusesWhatDecodersWouldNot) {
  std::string out = "kept";
  message m;
  m.headers = {{std::string(256, 'n'), value_type::string, "v"}};
  EXPECT_FALSE(append(out, m).ok());
  m.headers = {{"a", value_type::string, "1"}, {"a", value_type::string, "2"}};
  EXPECT_FALSE(append(out, m).ok());
  m.headers = {{"a", value_type::string, std::string(65536, 'x')}};
  EXPECT_FALSE(append(out, m).ok());
  m.headers = {{"a", value_type::int32, "12"}};
  EXPECT_FALSE(append(out, m).ok());
  m.headers = {};
  m.payload = std::string(max_payload + 1, 'p');
  auto r = append(out, m);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("send it in parts"), std::string::npos);
  EXPECT_EQ(out, "kept");
}

TEST(EventStream, DamagedBytesFailForGood) {
  auto expect_failure = [](std::string bytes, std::string_view says) {
    decoder d;
    d.feed(bytes);
    auto m = d.next();
    ASSERT_FALSE(m.ok()) << "expected: " << says;
    EXPECT_NE(m.error().message().find(says), std::string::npos) << m.error().message();
    d.feed(lambda_complete);  // good bytes after a failure do not revive it
    auto again = d.next();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().detail, m.error().detail);
  };
  std::string flipped_prelude = lambda_chunk;
  flipped_prelude[2] ^= 1;
  expect_failure(flipped_prelude, "prelude CRC");
  std::string flipped_payload = lambda_chunk;
  flipped_payload[flipped_payload.size() - 6] ^= 0x20;
  expect_failure(flipped_payload, "message CRC");
  expect_failure("not an event stream at all", "prelude CRC");
}

// A message whose CRCs are right but whose headers are not: built by hand.
std::string with_headers(std::string section) {
  std::string out;
  auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>(v >> s));
  };
  put(static_cast<std::uint32_t>(overhead + section.size()));
  put(static_cast<std::uint32_t>(section.size()));
  put(crc32(std::string_view(out).substr(0, 8)));
  out += section;
  put(crc32(out));
  return out;
}

TEST(EventStream, BadHeadersAreNamed) {
  auto fails_with = [](const std::string& section, std::string_view says) {
    decoder d;
    d.feed(with_headers(section));
    auto m = d.next();
    ASSERT_FALSE(m.ok()) << says;
    EXPECT_NE(m.error().message().find(says), std::string::npos) << m.error().message();
  };
  fails_with(std::string("\x01"
                         "a"
                         "\x0a",
                         3),
             "value type 10");
  fails_with(std::string("\x01"
                         "a"
                         "\x07\x00\x09"
                         "ab",
                         7),
             "runs past");
  fails_with(std::string("\x05"
                         "ab",
                         3),
             "runs past");
  fails_with(std::string("\x00", 1), "empty name");
  fails_with(std::string("\x01"
                         "a"
                         "\x00"
                         "\x01"
                         "a"
                         "\x01",
                         6),
             "given twice");
}

TEST(EventStream, LengthsThatDoNotAddUpAreRefusedBeforeBuffering) {
  std::string prelude;
  auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) prelude.push_back(static_cast<char>(v >> s));
  };
  put(0xFFFFFFF0U);  // 4 GB announced: refused from the prelude, not awaited
  put(0);
  put(crc32(prelude));
  decoder d;
  d.feed(prelude);
  auto m = d.next();
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("limit"), std::string::npos);

  prelude.clear();
  put(16);
  put(100);  // more headers than the message holds
  put(crc32(prelude));
  decoder d2;
  d2.feed(prelude);
  EXPECT_FALSE(d2.next().ok());
}

}  // namespace
}  // namespace lambdakit::wire::event_stream
