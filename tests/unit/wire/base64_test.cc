#include "wire/base64.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace lambdakit::wire::base64 {
namespace {

struct vector_case {
  std::string_view plain, encoded;
};

// RFC 4648 §10 test vectors.
constexpr vector_case rfc_vectors[] = {{"", ""},
                                       {"f", "Zg=="},
                                       {"fo", "Zm8="},
                                       {"foo", "Zm9v"},
                                       {"foob", "Zm9vYg=="},
                                       {"fooba", "Zm9vYmE="},
                                       {"foobar", "Zm9vYmFy"}};

TEST(Base64, RfcVectorsEncode) {
  for (auto c : rfc_vectors) EXPECT_EQ(encode(c.plain), c.encoded) << c.plain;
}

TEST(Base64, RfcVectorsDecode) {
  for (auto c : rfc_vectors) EXPECT_EQ(decode(c.encoded), std::string(c.plain)) << c.encoded;
}

TEST(Base64, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(decode(encode(all)), all);
}

TEST(Base64, EveryLengthRoundTrips) {
  std::string bytes;
  std::uint32_t x = 12345;
  for (int n = 0; n < 300; ++n) {
    EXPECT_EQ(encode(bytes).size(), (bytes.size() + 2) / 3 * 4);
    EXPECT_EQ(decode(encode(bytes)), bytes) << n;
    x = x * 1103515245 + 12345;
    bytes.push_back(static_cast<char>(x >> 16));
  }
}

TEST(Base64, RejectsBytesOutsideTheAlphabet) {
  EXPECT_EQ(decode("Zm9v\xc3\xa9"
                   "AA"),
            std::nullopt);  // 8 bytes, two of them not base64
  EXPECT_EQ(decode(std::string_view("Zm\0v", 4)), std::nullopt);
  EXPECT_EQ(decode("Zm 9"), std::nullopt);
  EXPECT_EQ(decode(""), std::string());
}

TEST(Base64, RejectsMalformed) {
  for (std::string_view bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "=Zg=", "Zg==Zg==", "Zm=v"}) {
    EXPECT_EQ(decode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace lambdakit::wire::base64
