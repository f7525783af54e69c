#include "runtime/stdio/actionloop_transport.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "runtime/log.h"
#include "runtime/runtime_api/runtime_error.h"
#include "runtime/write_all.h"
#include "wire/json.h"
#include "wire/json_scan.h"

namespace lambdakit::runtime {
namespace json = wire::json;
namespace {

// {"error":{"errorType":..,"errorMessage":..,"stackTrace":[..]}}: a 200 whose object has an
// `error` field is what OpenWhisk's invoker records as an application error.
std::string error_object(const function_error& e) {
  std::string out = "{\"error\":{\"errorType\":";
  json::append_string(out, e.type);
  out += ",\"errorMessage\":";
  json::append_string(out, e.message);
  out += ",\"stackTrace\":[";
  for (std::size_t i = 0; i < e.stack_trace.size(); ++i) {
    if (i > 0) out += ',';
    json::append_string(out, e.stack_trace[i]);
  }
  return out + "]}}";
}

constexpr std::uint64_t max_deadline_ms = 253402300799000;  // 9999-12-31T23:59:59Z

// Milliseconds since the epoch from `deadline`: OpenWhisk's invoker sends a JSON string of
// digits; ACTION.md says a number. Both are accepted; anything else is no deadline.
std::chrono::system_clock::time_point deadline_of(std::string_view raw) {
  std::string digits;
  if (!raw.empty() && raw.front() == '"') {
    auto s = json::string_value(raw);
    if (!s) return {};
    digits = std::move(s).value();
    raw = digits;
  }
  // Whole milliseconds, a fraction ignored. No floating point: from_chars(double) and strtod
  // would grow every function binary by tens of KB for this one field.
  std::uint64_t ms = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), ms);
  if (ec != std::errc{} || ms > max_deadline_ms) return {};
  std::string_view rest(end, static_cast<std::size_t>(raw.data() + raw.size() - end));
  if (!rest.empty() && (rest[0] != '.' || rest.find_first_of("eE") != std::string_view::npos))
    return {};
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(static_cast<long long>(ms)));
}

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

}  // namespace

actionloop_transport::actionloop_transport(base::unique_fd in, base::unique_fd out, bool ack)
    : in_(std::move(in)), out_(std::move(out)), ack_(ack) {}

result<void> actionloop_transport::send_line(std::string line) {
  // One line per result: JSON text may hold newlines only as whitespace (raw ones are invalid
  // inside strings), so they become spaces.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  line += '\n';
  // The handler's logs must land before the proxy's end-of-activation markers.
  std::fflush(nullptr);
  if (int err = write_all(out_.get(), line); err != 0) {
    return make_failure(errc::api_unreachable, "writing the result to descriptor 3: " +
                                                   std::generic_category().message(err));
  }
  return {};
}

result<std::string> actionloop_transport::read_line() {
  char chunk[64 * 1024];
  bool discarding = false;
  while (true) {
    std::size_t nl = buf_.find('\n', scanned_);
    if (nl != std::string::npos) {
      if (nl > max_line) discarding = true;
      std::string line = discarding ? std::string() : buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      scanned_ = 0;
      if (!discarding) return line;
      discarding = false;
      if (auto s = send_line(error_object(
              {"ActivationTooLarge",
               "the activation line is longer than " + std::to_string(max_line) + " bytes",
               {}}));
          !s)
        return std::move(s).error();
      continue;
    }
    scanned_ = buf_.size();
    if (buf_.size() > max_line) {  // keep nothing of it; answer when its newline comes
      discarding = true;
      buf_.clear();
      scanned_ = 0;
    }
    ssize_t n = base::retry_eintr([&] { return ::read(in_.get(), chunk, sizeof chunk); });
    if (n < 0) {
      return make_failure(errc::api_unreachable, "reading stdin: " + errno_code().message());
    }
    if (n == 0) {
      return make_failure(errc::api_unreachable,
                          buf_.empty() ? "stdin closed: the proxy is done with this action"
                                       : "stdin closed in the middle of an activation line");
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
  }
}

result<invocation> actionloop_transport::next() {
  if (ack_ && !acked_) {
    if (auto s = send_line("{\"ok\":true}"); !s) return std::move(s).error();
    acked_ = true;
  }
  while (true) {
    auto line = read_line();
    if (!line) return std::move(line).error();
    if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
    auto members = json::object_members(*line);
    if (!members) {
      // The proxy only ever sends objects; answer this line and keep serving.
      auto s = send_line(
          error_object({"BadActivation",
                        "the activation line is not a JSON object: " + members.error().detail,
                        {}}));
      if (!s) return std::move(s).error();
      continue;
    }
    invocation inv;
    inv.payload = "{}";
    for (const auto& m : *members) {
      if (m.key == "value") {
        inv.payload.assign(m.raw);
        continue;
      }
      if (m.key == "deadline") inv.deadline = deadline_of(m.raw);
      if (m.raw.empty() || m.raw.front() != '"') continue;
      auto v = json::string_value(m.raw);
      if (!v) continue;
      if (m.key == "activation_id") inv.request_id = *v;
      if (m.key == "transaction_id") inv.xray_trace_id = *v;
      if (m.key == "action_name") inv.function_arn = *v;
      // As the reference action loop does: each string field is __OW_<KEY> for this activation.
      ::setenv(("__OW_" + upper(m.key)).c_str(), v->c_str(), 1);
    }
    if (inv.request_id.empty()) inv.request_id = "activation";
    return inv;
  }
}

result<void> actionloop_transport::post_response(std::string_view, const response& r) {
  const std::string& body = r.body();
  auto first = body.find_first_not_of(" \t\r\n");
  bool container = first != std::string::npos && (body[first] == '{' || body[first] == '[');
  if (!container || !json::validate(body)) {
    return send_line(error_object(
        {"ResultNotJSONObject",
         "an OpenWhisk action must return a JSON object (or array); the handler returned " +
             std::to_string(body.size()) + " bytes of " + r.content_type() +
             " that are not one: return lambdakit::response::json(\"{...}\")",
         {}}));
  }
  return send_line(body);
}

result<void> actionloop_transport::post_error(std::string_view, const function_error& e) {
  return send_line(error_object(e));
}

result<void> actionloop_transport::post_init_error(const function_error& e) {
  log_line("init failed: " + e.type + ": " + e.message);
  // With the ack on, the proxy reads one line and wants ok; without it, the exit says it.
  if (ack_) return send_line("{\"ok\":false}");
  return {};
}

bool actionloop_transport::is_fatal(const failure& f) const {
  return f.code == errc::api_unreachable;
}

}  // namespace lambdakit::runtime
