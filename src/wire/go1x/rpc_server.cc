#include "wire/go1x/rpc_server.h"

namespace lambdakit::wire::go1x {
namespace {

constexpr std::string_view service = "Function";

// Which call this is, as net/rpc's server.readRequestHeader decides.
call route(const rpc_request& h) {
  call c;
  c.seq = h.seq;
  c.method = h.service_method;
  auto dot = h.service_method.rfind('.');
  if (dot == std::string::npos) {
    c.k = call::kind::refused;
    c.refusal = "rpc: service/method request ill-formed: " + h.service_method;
  } else if (std::string_view(h.service_method).substr(0, dot) != service) {
    c.k = call::kind::refused;
    c.refusal = "rpc: can't find service " + h.service_method;
  } else if (std::string_view name = std::string_view(h.service_method).substr(dot + 1);
             name == "Ping") {
    c.k = call::kind::ping;
  } else if (name == "Invoke") {
    c.k = call::kind::invoke;
  } else {
    c.k = call::kind::refused;
    c.refusal = "rpc: can't find method " + h.service_method;
  }
  return c;
}

}  // namespace

result<std::optional<call>> server_conversation::next() {
  if (failed_) return *failed_;
  auto r = take();
  if (!r) failed_ = r.error();
  return r;
}

result<std::optional<call>> server_conversation::take() {
  if (!header_) {
    auto m = in_.next();
    if (!m) return std::move(m).error();
    if (!*m) return std::optional<call>{};
    auto h = decode_rpc_request(in_.types(), **m);
    if (!h) {
      return make_failure(h.error().code, "the call header: " + h.error().detail);
    }
    header_ = std::move(h).value();
  }
  auto m = in_.next();
  if (!m) return std::move(m).error();
  if (!*m) return std::optional<call>{};
  call c = route(*header_);
  header_.reset();
  if (c.k == call::kind::invoke) {
    auto req = decode_invoke_request(in_.types(), **m);
    if (req) {
      c.invoke = std::move(req).value();
      return std::optional<call>{std::move(c)};
    }
    c.k = call::kind::refused;  // Go answers an argument it cannot decode with the error
    c.refusal = "gob: " + req.error().detail;
    return std::optional<call>{std::move(c)};
  }
  if (auto r = decode_ignored(in_.types(), **m); !r && c.k == call::kind::ping) {
    c.k = call::kind::refused;
    c.refusal = "gob: " + r.error().detail;
  }
  return std::optional<call>{std::move(c)};
}

void server_conversation::reply_ping(const call& c, std::string& out) {
  encode(out_enc_, out, rpc_response{c.method, c.seq, {}});
  encode_empty(out_enc_, out, types::ping_response);
}

void server_conversation::reply_invoke(const call& c, const invoke_response& r, std::string& out) {
  encode(out_enc_, out, rpc_response{c.method, c.seq, {}});
  encode(out_enc_, out, r);
}

void server_conversation::reply_error(const call& c, std::string_view text, std::string& out) {
  encode(out_enc_, out, rpc_response{c.method, c.seq, std::string(text)});
  encode_empty(out_enc_, out, types::empty);
}

}  // namespace lambdakit::wire::go1x
