// AWS Signature Version 4: how `lambdakit deploy` signs its Lambda API requests for AWS.
// Reference: "Create a signed AWS API request" (AWS IAM User Guide) and AWS's SigV4 test suite,
// whose get-vanilla case is a unit test here.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lambdakit::aws {

struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
};

struct signing_request {
  std::string method;  // "POST"
  std::string host;    // the Host header: "lambda.us-east-1.amazonaws.com"
  std::string path;    // "/2015-03-31/functions", URI-encoded as sent (signed encoded again)
  std::string query;   // "a=1&b=2" as sent, or empty
  std::vector<std::pair<std::string, std::string>> headers;  // besides host and x-amz-*
  std::string body;
};

// RFC 3986 percent-encoding of all but the unreserved characters (and '/' if `keep_slash`): a
// function name as a path segment; and, applied to the path as sent, the canonical URI SigV4
// signs for every service but S3 ("/functions/arn%3Aaws" is signed as "/functions/arn%253Aaws").
std::string uri_encode(const std::string& text, bool keep_slash);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);

// The canonical request (step 1 of the algorithm), for `amz_date` (yyyymmddThhmmssZ).
std::string canonical_request(const signing_request& r, const std::string& amz_date,
                              const std::string& session_token);

// The headers to add to `r` for it to be accepted by `service` in `region` at `amz_date`:
// X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization.
std::vector<std::pair<std::string, std::string>> sign(const signing_request& r,
                                                      const credentials& c,
                                                      const std::string& region,
                                                      const std::string& service,
                                                      const std::string& amz_date);

// Now, as SigV4 wants it: "20150830T123600Z".
std::string amz_date_now();

}  // namespace lambdakit::aws
