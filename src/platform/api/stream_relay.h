// InvokeWithResponseStream's answer: the function's bytes as event-stream PayloadChunk events as
// the runtime writes them, then one InvokeComplete (ErrorCode, ErrorDetails, LogResult). The
// first 6 MiB go at once; the rest at most 2 MiB/s, as AWS documents.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "platform/env/invocation.h"
#include "platform/http/message.h"

namespace lambdakit::platform::api {

struct stream_limits {
  std::size_t burst = std::size_t{6} * 1024 * 1024;             // sent unpaced
  std::size_t bytes_per_second = std::size_t{2} * 1024 * 1024;  // after the burst; 0: uncapped
  std::size_t max_chunk = std::size_t{1} * 1024 * 1024;         // bytes per PayloadChunk event
  std::size_t max_queued = std::size_t{4} * 1024 * 1024;  // a slow caller makes the runtime wait
};

// The pace of a streamed answer (InvokeWithResponseStream, a RESPONSE_STREAM function URL):
// `burst` bytes at once, then bytes_per_second; a caller with max_queued bytes not yet taken
// makes the runtime wait too.
class stream_pacer {
 public:
  explicit stream_pacer(const stream_limits& limits) : limits_(limits) {}
  // How long the runtime waits after `n` more bytes went to a writer with `queued` bytes not yet
  // taken by its socket.
  std::chrono::milliseconds after(std::size_t n, std::size_t queued);
  std::size_t sent() const { return sent_; }

 private:
  stream_limits limits_;
  std::size_t sent_ = 0;
  std::chrono::steady_clock::time_point paced_since_;  // when the burst was used up
};

class stream_relay final : public env::response_stream,
                           public std::enable_shared_from_this<stream_relay> {
 public:
  // `respond` answers the call (once): with the stream's head at begin(), or with the whole
  // answer at finish() when nothing was streamed.
  // `executed_version` is X-Amz-Executed-Version: the version that runs.
  stream_relay(http::responder respond, std::string request_id, std::string executed_version,
               bool tail, stream_limits limits = {});

  void begin(const std::string& content_type) override;
  std::chrono::milliseconds bytes(std::string_view b) override;
  bool begun() const override { return begun_; }

  // The invoke is over: its body (when it was not streamed, e.g. go1.x), then InvokeComplete.
  void finish(const env::invoke_outcome& o);

 private:
  void send_chunks(std::string_view b);

  http::responder respond_;
  std::string request_id_;
  std::string executed_version_;
  bool tail_ = false;
  stream_limits limits_;
  bool begun_ = false;
  bool finished_ = false;
  std::shared_ptr<http::body_writer> writer_;  // null until the head is sent, or if it was not
  stream_pacer pacer_;
};

// The InvokeComplete event's JSON for an outcome: {} on success, else ErrorCode (the runtime's
// errorType, or "Unhandled") and ErrorDetails (its errorMessage, or the whole error body);
// LogResult (base64 of the log's last 4 KB) when `log_result` is not empty.
std::string invoke_complete_json(const env::invoke_outcome& o, const std::string& log_result);

}  // namespace lambdakit::platform::api
