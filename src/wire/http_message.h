// An HTTP/1.1 message as the parser leaves it: start line, header fields, body, trailer fields.
//
// The header and trailer sections are kept as the bytes received, with offsets into them, so
// parsing a head costs one copy and no allocation per field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambdakit::wire::http {

// An ordered list of header (or trailer) fields, looked up case-insensitively.
class fields {
 public:
  struct field {
    std::string_view name;
    std::string_view value;
  };

  std::size_t size() const { return refs_.size(); }
  bool empty() const { return refs_.empty(); }
  field operator[](std::size_t i) const {
    const ref& r = refs_[i];
    return {std::string_view(block_.data() + r.name_at, r.name_len),
            std::string_view(block_.data() + r.value_at, r.value_len)};
  }

  // The value of the first field called `name` (any case), or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;

  // True when some field `name` holds `token` in its comma-separated list (any case).
  bool has_token(std::string_view name, std::string_view token) const;

 private:
  friend class parser;
  friend class message;
  struct ref {
    std::uint32_t name_at, name_len, value_at, value_len;
  };
  std::string block_;  // the received bytes the refs point into
  std::vector<ref> refs_;
};

class message {
 public:
  // Response start line.
  int status() const { return status_; }
  std::string_view reason() const { return slice(reason_); }
  // Request start line.
  std::string_view method() const { return slice(method_); }
  std::string_view target() const { return slice(target_); }
  // 0 for HTTP/1.0, 1 for HTTP/1.1.
  int version_minor() const { return version_minor_; }

  const http::fields& headers() const { return headers_; }
  const http::fields& trailers() const { return trailers_; }
  std::optional<std::string_view> header(std::string_view name) const { return headers_.get(name); }

  const std::string& body() const { return body_; }
  std::string& body() { return body_; }
  std::string release_body() { return std::move(body_); }

  // Whether the connection may carry another message after this one (RFC 9112 §9.3).
  bool keep_alive() const;

 private:
  friend class parser;
  struct span {
    std::uint32_t at = 0, len = 0;
  };
  std::string_view slice(span s) const {
    return std::string_view(headers_.block_).substr(s.at, s.len);
  }

  int status_ = 0;
  int version_minor_ = 1;
  span reason_, method_, target_;
  bool close_delimited_ = false;
  http::fields headers_;
  http::fields trailers_;
  std::string body_;
};

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace lambdakit::wire::http
