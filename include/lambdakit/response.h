// lambdakit::response: the bytes a handler returns to the caller, with their content type.
#pragma once

#include <string>
#include <utility>

namespace lambdakit {

class response {
 public:
  // An empty JSON body; Lambda callers see "null" only if the handler returns it explicitly.
  response() = default;

  // `body` must already be JSON text; it is passed through unchanged.
  static response json(std::string body) { return {std::move(body), "application/json"}; }
  static response text(std::string body) { return {std::move(body), "text/plain; charset=utf-8"}; }
  static response bytes(std::string body, std::string content_type = "application/octet-stream") {
    return {std::move(body), std::move(content_type)};
  }

  const std::string& body() const { return body_; }
  const std::string& content_type() const { return content_type_; }

 private:
  response(std::string body, std::string content_type)
      : body_(std::move(body)), content_type_(std::move(content_type)) {}

  std::string body_;
  std::string content_type_ = "application/json";
};

}  // namespace lambdakit
