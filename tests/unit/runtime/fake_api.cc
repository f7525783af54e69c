#include "fake_api.h"

#include <cerrno>
#include <cstdio>

#include "wire/http_parser.h"

namespace lambdakit::testing {
namespace http = wire::http;
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

failure io_error(int err) {
  return make_failure({err, std::system_category()}, "fake I/O failure");
}

class fake_stream final : public runtime::byte_stream {
 public:
  explicit fake_stream(fake_api& api) : api_(api) {}

  result<std::size_t> read_some(char* buf, std::size_t size) override {
    if (api_.step_fails()) return io_error(ECONNRESET);
    if (out_.empty()) return std::size_t{0};  // nothing to say: the server closed
    std::size_t n = std::min(size, out_.size());
    out_.copy(buf, n);
    out_.erase(0, n);
    return n;
  }

  result<void> write_all(const std::string_view* parts, std::size_t count) override {
    if (api_.step_fails()) return io_error(EPIPE);
    if (closed_) return io_error(EPIPE);
    for (std::size_t i = 0; i < count; ++i) {
      std::string_view data = parts[i];
      while (!data.empty()) {
        auto used = parser_.feed(data);
        if (!used) {
          report_bad_http(used.error().message());
          return io_error(EPROTO);
        }
        data.remove_prefix(*used);
        if (parser_.done()) answer();
      }
    }
    return {};
  }

 private:
  static void report_bad_http(const std::string& m) {
    fprintf(stderr, "client sent bad HTTP: %s\n", m.c_str());
  }

  void answer() {
    const http::message& m = parser_.get();
    recorded_request r;
    r.method = std::string(m.method());
    r.target = std::string(m.target());
    r.body = m.body();
    for (std::size_t i = 0; i < m.headers().size(); ++i)
      r.headers[lower(m.headers()[i].name)] = std::string(m.headers()[i].value);
    for (std::size_t i = 0; i < m.trailers().size(); ++i)
      r.trailers[lower(m.trailers()[i].name)] = std::string(m.trailers()[i].value);
    api_.requests.push_back(r);
    std::string reply = api_.answer(r);
    if (reply.empty()) {
      closed_ = true;
    } else {
      out_ += reply;
    }
    parser_.reset();
  }

  fake_api& api_;
  http::parser parser_{http::parser::kind::request};
  std::string out_;
  bool closed_ = false;
};

}  // namespace

std::string http_response(int status, std::string_view body, std::string_view extra_headers) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + std::string(extra_headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string next_response(std::string_view request_id, std::string_view payload,
                          std::string_view extra_headers) {
  std::string h =
      "Lambda-Runtime-Aws-Request-Id: " + std::string(request_id) +
      "\r\nLambda-Runtime-Deadline-Ms: 4102444800000\r\n"
      "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f\r\n" +
      std::string(extra_headers);
  return http_response(200, payload, h);
}

fake_api::fake_api() {
  answer = [this](const recorded_request& r) -> std::string {
    if (r.target.ends_with("/invocation/next")) {
      if (invocations.empty())
        return http_response(500, R"({"errorMessage":"shutting down","errorType":"Test"})");
      std::string a = invocations.front();
      invocations.pop_front();
      return a;
    }
    return http_response(202, R"({"status":"OK"})");
  };
}

result<std::unique_ptr<runtime::byte_stream>> fake_api::connect() {
  if (step_fails()) return io_error(ECONNREFUSED);
  ++connects;
  return std::unique_ptr<runtime::byte_stream>(new fake_stream(*this));
}

std::vector<recorded_request> fake_api::posts_to(std::string_view suffix) const {
  std::vector<recorded_request> out;
  for (const auto& r : requests) {
    if (r.method == "POST" && r.target.ends_with(suffix)) out.push_back(r);
  }
  return out;
}

}  // namespace lambdakit::testing
