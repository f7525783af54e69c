#include "wire/go1x/rpc_client.h"

namespace lambdakit::wire::go1x {

std::uint64_t client_conversation::begin(std::string_view method, std::string& out) {
  std::uint64_t seq = seq_++;
  pending_.emplace(seq, std::string(method));
  encode(out_enc_, out, rpc_request{std::string(method), seq});
  return seq;
}

std::uint64_t client_conversation::call_ping(std::string& out) {
  return call("Function.Ping", out);
}

std::uint64_t client_conversation::call(std::string_view method, std::string& out) {
  std::uint64_t seq = begin(method, out);
  encode_empty(out_enc_, out, types::ping_request);
  return seq;
}

std::uint64_t client_conversation::call_invoke(const invoke_request& r, std::string& out) {
  std::uint64_t seq = begin("Function.Invoke", out);
  encode(out_enc_, out, r);
  return seq;
}

result<std::optional<reply>> client_conversation::next() {
  if (failed_) return *failed_;
  auto r = take();
  if (!r) failed_ = r.error();
  return r;
}

result<std::optional<reply>> client_conversation::take() {
  if (!header_) {
    auto m = in_.next();
    if (!m) return std::move(m).error();
    if (!*m) return std::optional<reply>{};
    auto h = decode_rpc_response(in_.types(), **m);
    if (!h) return make_failure(h.error().code, "the reply header: " + h.error().detail);
    if (!pending_.contains(h->seq)) {
      return make_failure(gob::error::bad_field, "a reply to call " + std::to_string(h->seq) +
                                                     ", which was never made or already answered");
    }
    header_ = std::move(h).value();
  }
  auto m = in_.next();
  if (!m) return std::move(m).error();
  if (!*m) return std::optional<reply>{};
  reply r;
  r.seq = header_->seq;
  r.error = std::move(header_->error);
  auto it = pending_.find(r.seq);
  r.method = std::move(it->second);
  pending_.erase(it);
  header_.reset();
  if (r.error.empty() && r.method == "Function.Invoke") {
    auto body = decode_invoke_response(in_.types(), **m);
    if (!body)
      return make_failure(body.error().code, "the reply to Invoke: " + body.error().detail);
    r.invoke = std::move(body).value();
  } else if (auto ok = decode_ignored(in_.types(), **m); !ok) {
    return make_failure(ok.error().code, "the reply to " + r.method + ": " + ok.error().detail);
  }
  return std::optional<reply>{std::move(r)};
}

}  // namespace lambdakit::wire::go1x
