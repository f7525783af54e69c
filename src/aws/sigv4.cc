#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace lambdakit::aws {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return {reinterpret_cast<const char*>(out), len};
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Header values: leading and trailing space removed, inner runs of spaces made one.
std::string trimmed(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// The query's parameters sorted by name (then value), as the canonical form wants.
std::string canonical_query(const std::string& query) {
  if (query.empty()) return {};
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t at = 0;
  while (at <= query.size()) {
    std::size_t amp = query.find('&', at);
    if (amp == std::string::npos) amp = query.size();
    std::string kv = query.substr(at, amp - at);
    std::size_t eq = kv.find('=');
    params.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
    at = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

std::map<std::string, std::string> signed_headers(const signing_request& r,
                                                  const std::string& amz_date,
                                                  const std::string& session_token) {
  std::map<std::string, std::string> h;
  for (const auto& [k, v] : r.headers) {
    std::string name = lower(k);
    if (name == "user-agent" || name == "authorization" || name == "expect") continue;
    auto& slot = h[name];
    slot += (slot.empty() ? "" : ",") + trimmed(v);
  }
  h["host"] = r.host;
  h["x-amz-date"] = amz_date;
  if (!session_token.empty()) h["x-amz-security-token"] = session_token;
  return h;
}

}  // namespace

std::string uri_encode(const std::string& text, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof digest);
}

std::string canonical_request(const signing_request& r, const std::string& amz_date,
                              const std::string& session_token) {
  auto headers = signed_headers(r, amz_date, session_token);
  std::string names;
  std::string lines;
  for (const auto& [k, v] : headers) {
    names += (names.empty() ? "" : ";") + k;
    lines += k + ":" + v + "\n";
  }
  return r.method + "\n" + (r.path.empty() ? "/" : uri_encode(r.path, true)) + "\n" +
         canonical_query(r.query) + "\n" + lines + "\n" + names + "\n" + sha256_hex(r.body);
}

std::vector<std::pair<std::string, std::string>> sign(const signing_request& r,
                                                      const credentials& c,
                                                      const std::string& region,
                                                      const std::string& service,
                                                      const std::string& amz_date) {
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  std::string canonical = canonical_request(r, amz_date, c.session_token);
  std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical);
  std::string key = hmac("AWS4" + c.secret_access_key, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  std::string signature = hmac(key, to_sign);
  std::string names;
  for (const auto& [k, v] : signed_headers(r, amz_date, c.session_token)) {
    names += (names.empty() ? "" : ";") + k;
  }
  std::vector<std::pair<std::string, std::string>> out = {{"X-Amz-Date", amz_date}};
  if (!c.session_token.empty()) out.emplace_back("X-Amz-Security-Token", c.session_token);
  out.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + scope + ", SignedHeaders=" + names +
          ", Signature=" +
          hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size()));
  return out;
}

std::string amz_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

}  // namespace lambdakit::aws
