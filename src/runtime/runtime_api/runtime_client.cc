#include "runtime/runtime_api/runtime_client.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "lambdakit/version.h"
#include "wire/base64.h"
#include "wire/http_writer.h"
#include "wire/json.h"

namespace lambdakit::runtime {
namespace http = wire::http;
namespace {

constexpr std::size_t read_buffer_size = std::size_t{64} * 1024;
constexpr std::string_view api = "/2018-06-01/runtime";
constexpr std::string_view user_agent = "lambdakit/" LAMBDAKIT_VERSION_STRING;

// Failures worth a reconnect: the OS said so, or the peer closed mid-message.
bool is_retryable(const std::error_code& ec) {
  return ec.category() == std::system_category() || ec.category() == std::generic_category() ||
         ec == http::error::partial_message;
}

// A request id goes into a URL path: it must be a plain visible token.
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '/' && c != '?' && c != '#' && c != '%';
  });
}

std::string excerpt(std::string_view body) {
  std::string s(body.substr(0, 200));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s.empty() ? "(empty body)" : s;
}

}  // namespace

std::string error_body(const function_error& e) {
  std::string out;
  out.reserve(64 + e.message.size() + e.type.size());
  out.append("{\"errorMessage\":");
  wire::json::append_string(out, e.message);
  out.append(",\"errorType\":");
  wire::json::append_string(out, e.type);
  out.append(",\"stackTrace\":[");
  for (std::size_t i = 0; i < e.stack_trace.size(); ++i) {
    if (i > 0) out.push_back(',');
    wire::json::append_string(out, e.stack_trace[i]);
  }
  out.append("]}");
  return out;
}

runtime_client::runtime_client(std::unique_ptr<connector> c, retry_policy retry,
                               http::limits limits)
    : runtime_client(*c, retry, limits) {
  owned_ = std::move(c);
}

runtime_client::runtime_client(connector& c, retry_policy retry, http::limits limits)
    : connector_(c),
      retry_(retry),
      parser_(http::parser::kind::response, limits),
      buf_(new char[read_buffer_size]) {}

void runtime_client::drop_connection() {
  stream_.reset();
  close_after_ = false;
  buf_begin_ = buf_end_ = 0;
}

result<void> runtime_client::connect_with_retry() {
  if (close_after_) drop_connection();
  if (stream_) return {};
  failure last;
  auto pause = [this](std::chrono::milliseconds d) { connector_.pause(d); };
  for (base::backoff b(retry_); b.next(pause);) {
    auto s = connector_.connect();
    if (s) {
      stream_ = std::move(s).value();
      return {};
    }
    last = std::move(s).error();
  }
  return make_failure(errc::api_unreachable,
                      "no connection to " + connector_.authority() + " after " +
                          std::to_string(retry_.attempts) + " attempts (" + last.message() +
                          "); check AWS_LAMBDA_RUNTIME_API and that the Runtime API is up");
}

result<void> runtime_client::read_response() {
  parser_.reset();
  while (true) {
    if (buf_begin_ == buf_end_) {
      auto n = stream_->read_some(buf_.get(), read_buffer_size);
      if (!n) return std::move(n).error();
      if (*n == 0) {
        if (auto r = parser_.feed_eof(); !r) return r;
        return {};  // a close-delimited body ended
      }
      buf_begin_ = 0;
      buf_end_ = *n;
    }
    auto used = parser_.feed(std::string_view(buf_.get() + buf_begin_, buf_end_ - buf_begin_));
    if (!used) return std::move(used).error();
    buf_begin_ += *used;
    if (parser_.done()) {
      int status = parser_.get().status();
      if (status >= 100 && status < 200) {  // an interim answer (100 Continue): read on
        parser_.reset();
        continue;
      }
      return {};
    }
  }
}

result<const http::message*> runtime_client::exchange(const std::string_view* parts,
                                                      std::size_t count) {
  failure last;
  auto pause = [this](std::chrono::milliseconds d) { connector_.pause(d); };
  for (base::backoff b(retry_); b.next(pause);) {
    if (auto c = connect_with_retry(); !c) return std::move(c).error();
    if (auto w = stream_->write_all(parts, count); !w) {
      last = std::move(w).error();
      drop_connection();
      continue;
    }
    if (auto r = read_response(); !r) {
      if (!is_retryable(r.error().code)) {
        drop_connection();
        return make_failure(errc::protocol_error,
                            "from " + connector_.authority() + ": " + r.error().message());
      }
      last = std::move(r).error();
      drop_connection();
      continue;
    }
    close_after_ = !parser_.get().keep_alive();
    return &parser_.get();
  }
  return make_failure(errc::api_unreachable, "the connection to " + connector_.authority() +
                                                 " failed " + std::to_string(retry_.attempts) +
                                                 " times; last: " + last.message());
}

result<invocation> runtime_client::next() {
  std::string target = std::string(api) + "/invocation/next";
  while (true) {
    head_.clear();
    const http::header_field fields[] = {{"User-Agent", user_agent}};
    http::append_request_head(head_, "GET", target, connector_.authority(), fields, 1,
                              http::framing::none);
    std::string_view parts[] = {head_};
    auto r = exchange(parts, 1);
    if (!r) return std::move(r).error();
    http::message& m = parser_.get();
    if (m.status() == 500) {
      return make_failure(errc::container_error, "GET /next answered 500: " + excerpt(m.body()));
    }
    if (m.status() != 200) {
      return make_failure(
          errc::unexpected_status,
          "GET /next answered " + std::to_string(m.status()) + ": " + excerpt(m.body()));
    }
    // One pass over the fields (this is the warm path), each name compared by length first.
    std::optional<std::string_view> id, deadline;
    invocation inv;
    const http::fields& h = m.headers();
    for (std::size_t i = 0; i < h.size(); ++i) {
      auto [name, value] = h[i];
      if (http::iequals(name, "Lambda-Runtime-Aws-Request-Id")) {
        id = value;
      } else if (http::iequals(name, "Lambda-Runtime-Deadline-Ms")) {
        deadline = value;
      } else if (http::iequals(name, "Lambda-Runtime-Invoked-Function-Arn")) {
        inv.function_arn = value;
      } else if (http::iequals(name, "Lambda-Runtime-Trace-Id")) {
        inv.xray_trace_id = value;
      } else if (http::iequals(name, "Lambda-Runtime-Client-Context")) {
        inv.client_context = value;
      } else if (http::iequals(name, "Lambda-Runtime-Cognito-Identity")) {
        inv.cognito_identity = value;
      } else if (http::iequals(name, "Lambda-Runtime-Aws-Tenant-Id")) {
        inv.tenant_id = value;
      }
    }
    if (!id || !usable_request_id(*id)) {
      return make_failure(
          errc::malformed_invocation,
          id ? "Lambda-Runtime-Aws-Request-Id is not a usable id: \"" + excerpt(*id) + "\""
             : "the Lambda-Runtime-Aws-Request-Id header is missing");
    }
    inv.request_id = std::string(*id);
    long long ms = 0;
    bool deadline_ok = false;
    if (deadline) {
      auto [end, ec] = std::from_chars(deadline->data(), deadline->data() + deadline->size(), ms);
      deadline_ok = ec == std::errc() && end == deadline->data() + deadline->size() && ms > 0;
    }
    if (!deadline_ok) {
      // There is an id to report against: tell the caller, and poll again.
      function_error e{"Runtime.MalformedInvocation",
                       deadline ? "Lambda-Runtime-Deadline-Ms is not epoch milliseconds: \"" +
                                      excerpt(*deadline) + "\""
                                : "the Lambda-Runtime-Deadline-Ms header is missing",
                       {}};
      if (auto p = post_error(inv.request_id, e); !p && runtime::is_fatal(p.error().code))
        return std::move(p).error();
      continue;
    }
    inv.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
    inv.payload = m.release_body();
    return inv;
  }
}

result<void> runtime_client::check_post(const http::message& m, std::string_view what) {
  int s = m.status();
  if (s >= 200 && s < 300) return {};
  std::string detail =
      std::string(what) + " answered " + std::to_string(s) + ": " + excerpt(m.body());
  if (s == 413) return make_failure(errc::response_too_large, std::move(detail));
  if (s == 500) return make_failure(errc::container_error, std::move(detail));
  return make_failure(errc::rejected, std::move(detail));
}

result<void> runtime_client::post(std::string_view target, std::string_view content_type,
                                  std::string_view body, std::string_view error_type,
                                  std::string_view what) {
  head_.clear();
  http::header_field fields[] = {{"User-Agent", user_agent},
                                 {"Content-Type", content_type},
                                 {"Lambda-Runtime-Function-Error-Type", error_type}};
  std::size_t n = error_type.empty() ? 2 : 3;
  http::append_request_head(head_, "POST", target, connector_.authority(), fields, n,
                            http::framing::content_length, body.size());
  std::string_view parts[] = {head_, body};
  auto r = exchange(parts, 2);
  if (!r) return std::move(r).error();
  return check_post(**r, what);
}

result<void> runtime_client::post_response(std::string_view request_id, const response& r) {
  std::string target = std::string(api) + "/invocation/" + std::string(request_id) + "/response";
  return post(target, r.content_type(), r.body(), {}, "POST /response");
}

result<void> runtime_client::post_error(std::string_view request_id, const function_error& e) {
  std::string target = std::string(api) + "/invocation/" + std::string(request_id) + "/error";
  return post(target, "application/json", error_body(e), e.type, "POST /error");
}

result<void> runtime_client::post_init_error(const function_error& e) {
  std::string target = std::string(api) + "/init/error";
  return post(target, "application/json", error_body(e), e.type, "POST /init/error");
}

result<void> runtime_client::stream_begin(std::string_view request_id,
                                          std::string_view content_type) {
  if (auto c = connect_with_retry(); !c) return std::move(c).error();
  std::string target = std::string(api) + "/invocation/" + std::string(request_id) + "/response";
  head_.clear();
  const http::header_field fields[] = {
      {"User-Agent", user_agent},
      {"Content-Type", content_type},
      {"Lambda-Runtime-Function-Response-Mode", "streaming"},
      {"Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"}};
  http::append_request_head(head_, "POST", target, connector_.authority(), fields, 4,
                            http::framing::chunked);
  std::string_view parts[] = {head_};
  if (auto w = stream_->write_all(parts, 1); !w) {
    drop_connection();
    return make_failure(errc::stream_broken, "sending the stream head: " + w.error().message());
  }
  return {};
}

result<void> runtime_client::stream_write(std::string_view chunk) {
  if (chunk.empty()) return {};
  if (!stream_) return make_failure(errc::stream_broken, "the connection is already closed");
  head_.clear();
  http::append_chunk_header(head_, chunk.size());
  std::string_view parts[] = {head_, chunk, "\r\n"};
  if (auto w = stream_->write_all(parts, 3); !w) {
    drop_connection();
    return make_failure(errc::stream_broken, "sending a chunk: " + w.error().message());
  }
  return {};
}

result<void> runtime_client::stream_end(const function_error* error) {
  if (!stream_) return make_failure(errc::stream_broken, "the connection is already closed");
  head_.clear();
  std::string body;
  if (error != nullptr) {
    body = wire::base64::encode(error_body(*error));
    const http::header_field trailers[] = {{"Lambda-Runtime-Function-Error-Type", error->type},
                                           {"Lambda-Runtime-Function-Error-Body", body}};
    http::append_last_chunk(head_, trailers, 2);
  } else {
    http::append_last_chunk(head_);
  }
  std::string_view parts[] = {head_};
  if (auto w = stream_->write_all(parts, 1); !w) {
    drop_connection();
    return make_failure(errc::stream_broken, "ending the stream: " + w.error().message());
  }
  if (auto r = read_response(); !r) {
    drop_connection();
    return make_failure(errc::stream_broken,
                        "reading the answer to the stream: " + r.error().message());
  }
  close_after_ = !parser_.get().keep_alive();
  return check_post(parser_.get(), "POST /response (streaming)");
}

}  // namespace lambdakit::runtime
