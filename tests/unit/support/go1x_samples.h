// go1.x messages for the gob tests: the calls and answers the recorded vectors hold
// (tests/data/go1x-vectors*.txt), and describe(), which prints a message for a failure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "support/gob_bytes.h"
#include "wire/go1x/messages.h"
#include "wire/go1x/rpc_client.h"
#include "wire/go1x/rpc_server.h"

namespace lambdakit::wire::go1x::samples {

using lambdakit::testing::hex;

inline std::string shown(std::string_view bytes) {
  if (bytes.size() > 80) {
    return "<" + std::to_string(bytes.size()) + " bytes: " + hex(bytes.substr(0, 16)) + "...>";
  }
  return "\"" + std::string(bytes) + "\"";
}

inline std::string describe(const invoke_request& r) {
  return "payload=" + shown(r.payload) + " request_id=" + shown(r.request_id) +
         " trace=" + shown(r.trace_id) + " deadline=" + std::to_string(r.deadline_seconds) + "s+" +
         std::to_string(r.deadline_nanos) + "ns arn=" + shown(r.function_arn) +
         " cognito=" + shown(r.cognito_identity_id) + "/" + shown(r.cognito_identity_pool_id) +
         " client_context=" + shown(r.client_context);
}

inline std::string describe(const invoke_response& r) {
  std::string s = "payload=" + shown(r.payload);
  if (!r.error) return s + " error=nil";
  const invoke_error& e = *r.error;
  s += " error={message=" + shown(e.message) + " type=" + shown(e.type) + " stack=[";
  for (const auto& f : e.stack_trace) {
    s += "{" + shown(f.path) + " " + std::to_string(f.line) + " " + shown(f.label) + "}";
  }
  return s + "] should_exit=" + (e.should_exit ? "true" : "false") + "}";
}

inline std::string describe(const call& c) {
  const char* kinds[] = {"ping", "invoke", "refused"};
  std::string s = std::string(kinds[static_cast<int>(c.k)]) + " seq=" + std::to_string(c.seq) +
                  " method=" + c.method;
  if (c.k == call::kind::refused) s += " refusal=" + shown(c.refusal);
  if (c.k == call::kind::invoke) s += " " + describe(c.invoke);
  return s;
}

inline std::string describe(const reply& r) {
  std::string s =
      "seq=" + std::to_string(r.seq) + " method=" + r.method + " error=" + shown(r.error);
  if (r.invoke) s += " invoke={" + describe(*r.invoke) + "}";
  return s;
}

inline constexpr std::int64_t recorded_seconds = 1527415833;
inline constexpr std::int64_t recorded_nanos = 32849522;

inline invoke_request invoke_ok() {
  invoke_request r;
  r.payload = R"({"a":1})";
  r.request_id = "req-1";
  r.trace_id = "Root=1-2-3";
  r.deadline_seconds = recorded_seconds;
  r.deadline_nanos = recorded_nanos;
  r.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
  return r;
}

inline invoke_request invoke_error_request() {
  invoke_request r;
  r.payload = R"("error")";
  r.request_id = "r2";
  r.deadline_seconds = 1;
  r.cognito_identity_id = "cid";
  r.cognito_identity_pool_id = "pid";
  r.client_context = "{}";
  return r;
}

inline invoke_request payload_only(std::string payload) {
  invoke_request r;
  r.payload = std::move(payload);
  return r;
}

inline invoke_response ok_response() {
  invoke_response r;
  r.payload = R"({"ok":true})";
  return r;
}

inline invoke_response handler_error_response() {
  invoke_response r;
  r.error = invoke_error{"boom", "errorString", {}, false};
  return r;
}

inline invoke_response panic_response() {
  invoke_response r;
  r.error = invoke_error{"oops", "string", {{"main.go", 12, "handler"}}, true};
  return r;
}

}  // namespace lambdakit::wire::go1x::samples
