#include "platform/api/url_stream.h"

#include <utility>

#include "platform/api/url_event.h"

namespace lambdakit::platform::api {
namespace {

constexpr std::string_view integration_type = "application/vnd.awslambda.http-integration-response";
constexpr std::string_view delimiter("\0\0\0\0\0\0\0\0", 8);
constexpr std::size_t max_prelude = std::size_t{1} << 20;

}  // namespace

url_stream::url_stream(http::responder respond, std::string request_id,
                       url_config::cors_config cors, std::string origin, stream_limits limits,
                       std::function<void(std::string)> log)
    : respond_(std::move(respond)),
      request_id_(std::move(request_id)),
      cors_(std::move(cors)),
      origin_(std::move(origin)),
      pacer_(limits),
      log_(std::move(log)) {}

void url_stream::finish_cors(http::response& r) const {
  apply_cors(cors_, origin_, r);
  r.set("x-amzn-RequestId", request_id_);
}

void url_stream::begin(const std::string& content_type) {
  if (begun_) return;
  begun_ = true;
  prelude_ = content_type == integration_type;
  if (prelude_) return;  // the head comes with the prelude
  http::response head;
  head.status = 200;
  head.set("Content-Type", content_type.empty() ? "application/octet-stream" : content_type);
  send_head(std::move(head));
}

void url_stream::send_head(http::response head) {
  head_sent_ = true;
  finish_cors(head);
  std::weak_ptr<url_stream> weak = weak_from_this();
  head.stream = [weak](std::shared_ptr<http::body_writer> w) {
    if (auto self = weak.lock()) self->writer_ = std::move(w);
  };
  respond_(std::move(head));  // the server hands the writer over before this returns
}

void url_stream::write(std::string_view b) {
  if (writer_ && !writer_->broken() && !b.empty()) writer_->write(std::string(b));
}

std::chrono::milliseconds url_stream::bytes(std::string_view b) {
  using namespace std::chrono;
  if (!begun_ || finished_ || b.empty()) return milliseconds(0);
  if (!head_sent_) {
    pending_.append(b);
    auto end = pending_.find(delimiter);
    if (end == std::string::npos && pending_.size() <= max_prelude) return milliseconds(0);
    if (end == std::string::npos) {
      if (log_)
        log_(
            "the streamed answer has no end of its prelude (8 NUL bytes) in its first MiB: sent as "
            "the body of a 200");
      http::response head;
      head.status = 200;
      head.set("Content-Type", "application/octet-stream");
      send_head(std::move(head));
      write(pending_);
    } else {
      send_head(url_stream_head(std::string_view(pending_).substr(0, end)));
      write(std::string_view(pending_).substr(end + delimiter.size()));
    }
    std::size_t n = pending_.size();
    pending_.clear();
    return writer_ ? pacer_.after(n, writer_->queued()) : milliseconds(0);
  }
  write(b);
  if (!writer_ || writer_->broken()) return milliseconds(0);  // nobody reads: the function runs on
  return pacer_.after(b.size(), writer_->queued());
}

void url_stream::finish(const env::invoke_outcome& o) {
  if (finished_) return;
  finished_ = true;
  if (!head_sent_) {
    http::response r;
    if (!begun_ || o.status != env::invoke_status::success) {
      std::string why;
      r = url_response(o, why);  // buffered (no stream was begun), or an error before the head
      if (!why.empty() && log_) log_(why);
    } else {  // the stream ended inside its prelude
      r = url_stream_head(pending_);
    }
    finish_cors(r);
    return respond_(std::move(r));
  }
  if (writer_) {  // a mid-stream error ends the body: the head is gone already, as on AWS
    writer_->finish();
    writer_.reset();
  }
}

}  // namespace lambdakit::platform::api
