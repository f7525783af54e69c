// SigV4 against AWS's published test suite (aws-sig-v4-test-suite, "get-vanilla" and
// "post-x-www-form-urlencoded"-style cases) and the canonical-form rules of the IAM User Guide.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

namespace lambdakit::aws {
namespace {

const credentials example{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::string header(const std::vector<std::pair<std::string, std::string>>& hs,
                   const std::string& name) {
  for (const auto& [k, v] : hs) {
    if (k == name) return v;
  }
  return {};
}

TEST(SigV4, GetVanillaFromTheAwsTestSuite) {
  signing_request r{"GET", "example.amazonaws.com", "/", "", {}, ""};
  EXPECT_EQ(canonical_request(r, "20150830T123600Z", ""),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto hs = sign(r, example, "us-east-1", "service", "20150830T123600Z");
  EXPECT_EQ(header(hs, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(hs, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, QueryIsSortedAndHeadersAreLowercasedTrimmedAndSorted) {
  signing_request r{"POST",
                    "lambda.us-east-1.amazonaws.com",
                    "/2015-03-31/functions",
                    "b=2&a=1",
                    {{"Content-Type", "  application/json  "}, {"X-Custom", "a   b"}},
                    "{}"};
  std::string c = canonical_request(r, "20261127T000000Z", "token");
  EXPECT_NE(c.find("\na=1&b=2\n"), std::string::npos) << c;
  EXPECT_NE(c.find("content-type:application/json\nhost:lambda.us-east-1.amazonaws.com\n"
                   "x-amz-date:20261127T000000Z\nx-amz-security-token:token\nx-custom:a b\n"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("\ncontent-type;host;x-amz-date;x-amz-security-token;x-custom\n"),
            std::string::npos);
  EXPECT_EQ(c.substr(c.size() - 64), sha256_hex("{}"));
}

TEST(SigV4, ThePathIsEncodedOnceMoreAsEveryServiceButS3Wants) {
  // Sent: /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af (the ARN's
  // ':' encoded); signed: each '%' encoded again, as botocore signs it.
  signing_request r{"GET", "h", "/2015-03-31/functions/arn%3Aaws%3Alambda/code", "", {}, ""};
  std::string c = canonical_request(r, "20150830T123600Z", "");
  EXPECT_EQ(c.substr(0, c.find('\n', 4)), "GET\n/2015-03-31/functions/arn%253Aaws%253Alambda/code");
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  credentials temp = example;
  temp.session_token = "session";
  signing_request r{"GET", "example.amazonaws.com", "/", "", {}, ""};
  auto hs = sign(r, temp, "us-east-1", "service", "20150830T123600Z");
  EXPECT_EQ(header(hs, "X-Amz-Security-Token"), "session");
  EXPECT_NE(header(hs, "Authorization").find("SignedHeaders=host;x-amz-date;x-amz-security-token"),
            std::string::npos);
}

TEST(SigV4, UserAgentIsNotSigned) {
  signing_request a{"GET", "h", "/", "", {}, ""};
  signing_request b{"GET", "h", "/", "", {{"User-Agent", "lambdakit"}}, ""};
  EXPECT_EQ(canonical_request(a, "20150830T123600Z", ""),
            canonical_request(b, "20150830T123600Z", ""));
}

TEST(SigV4, DateHasTheBasicIsoForm) {
  std::string d = amz_date_now();
  ASSERT_EQ(d.size(), 16u);
  EXPECT_EQ(d[8], 'T');
  EXPECT_EQ(d.back(), 'Z');
}

}  // namespace
}  // namespace lambdakit::aws
