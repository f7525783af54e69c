#include "platform/api/stream_relay.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "platform/logs/report.h"
#include "wire/base64.h"
#include "wire/event_stream.h"

namespace lambdakit::platform::api {
namespace {

namespace es = wire::event_stream;

es::header text(std::string name, std::string value) {
  return {std::move(name), es::value_type::string, std::move(value)};
}

std::string event(std::string_view type, std::string_view content_type, std::string payload) {
  es::message m;
  m.headers = {text(":event-type", std::string(type)),
               text(":content-type", std::string(content_type)), text(":message-type", "event")};
  m.payload = std::move(payload);
  std::string out;
  (void)es::append(out, m);  // fixed headers, payload cut under es::max_payload: cannot fail
  return out;
}

}  // namespace

stream_relay::stream_relay(http::responder respond, std::string request_id,
                           std::string executed_version, bool tail, stream_limits limits)
    : respond_(std::move(respond)),
      request_id_(std::move(request_id)),
      executed_version_(std::move(executed_version)),
      tail_(tail),
      limits_(limits),
      pacer_(limits) {
  if (limits_.max_chunk == 0 || limits_.max_chunk > es::max_payload) {
    limits_.max_chunk = es::max_payload;
  }
}

void stream_relay::begin(const std::string& content_type) {
  if (begun_) return;
  begun_ = true;
  http::response r;
  r.status = 200;
  r.set("Content-Type", "application/vnd.amazon.eventstream");
  // The runtime's own Content-Type: AWS's answer carries it nowhere (Content-Type is the
  // framing's); lambdakit adds it for callers that want it (function URLs, tests).
  r.set("X-Lambdakit-Content-Type",
        content_type.empty() ? "application/octet-stream" : content_type);
  r.set("X-Amz-Executed-Version", executed_version_);
  r.set("x-amzn-RequestId", request_id_);
  std::weak_ptr<stream_relay> weak = weak_from_this();
  r.stream = [weak](std::shared_ptr<http::body_writer> w) {
    if (auto self = weak.lock()) self->writer_ = std::move(w);
  };
  respond_(std::move(r));  // the server hands the writer over before this returns
}

std::chrono::milliseconds stream_pacer::after(std::size_t n, std::size_t queued) {
  using namespace std::chrono;
  auto now = steady_clock::now();
  bool was_paced = sent_ > limits_.burst;  // paced_since_ is set
  sent_ += n;
  if (sent_ <= limits_.burst || limits_.bytes_per_second == 0) {
    return queued > limits_.max_queued ? milliseconds(20) : milliseconds(0);
  }
  if (!was_paced) paced_since_ = now;
  // Past the burst: byte (sent_ - burst) may go no sooner than paced_since_ + that / rate.
  auto due = paced_since_ + duration_cast<steady_clock::duration>(
                                duration<double>(static_cast<double>(sent_ - limits_.burst) /
                                                 static_cast<double>(limits_.bytes_per_second)));
  auto wait = duration_cast<milliseconds>(due - now);
  if (queued > limits_.max_queued) wait = std::max(wait, milliseconds(20));
  return std::max(wait, milliseconds(0));
}

std::chrono::milliseconds stream_relay::bytes(std::string_view b) {
  using namespace std::chrono;
  if (!begun_ || finished_ || b.empty()) return milliseconds(0);
  send_chunks(b);
  if (!writer_ || writer_->broken()) return milliseconds(0);  // nobody reads: the function runs on
  return pacer_.after(b.size(), writer_->queued());
}

void stream_relay::send_chunks(std::string_view b) {
  if (!writer_ || writer_->broken()) return;
  while (!b.empty()) {
    auto piece = b.substr(0, limits_.max_chunk);
    b.remove_prefix(piece.size());
    writer_->write(event("PayloadChunk", "application/octet-stream", std::string(piece)));
  }
}

void stream_relay::finish(const env::invoke_outcome& o) {
  if (finished_) return;
  if (!begun_) {
    begin(o.status == env::invoke_status::success ? o.content_type : "application/json");
    if (o.status == env::invoke_status::success) send_chunks(o.body);
  }
  finished_ = true;
  std::string log_result = tail_ ? wire::base64::encode(logs::tail(o.log)) : std::string();
  if (writer_) {
    writer_->write(
        event("InvokeComplete", "application/json", invoke_complete_json(o, log_result)));
    writer_->finish();
    writer_.reset();
  }
}

std::string invoke_complete_json(const env::invoke_outcome& o, const std::string& log_result) {
  nlohmann::json j = nlohmann::json::object();
  if (o.status != env::invoke_status::success) {
    std::string code = "Unhandled";
    std::string details = o.body;
    auto body = nlohmann::json::parse(o.body, nullptr, false);
    if (body.is_object()) {
      if (auto t = body.find("errorType"); t != body.end() && t->is_string() && !t->empty()) {
        code = t->get<std::string>();
      }
      if (auto m = body.find("errorMessage"); m != body.end() && m->is_string()) {
        details = m->get<std::string>();
      }
    }
    j["ErrorCode"] = code;
    j["ErrorDetails"] = details;
  }
  if (!log_result.empty()) j["LogResult"] = log_result;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace lambdakit::platform::api
