// An incremental HTTP/1.1 message parser (RFC 9112): pure, no I/O, binary-safe.
//
// Feed it bytes as they arrive; it consumes up to the end of one message and says how much it
// used, so pipelined bytes stay with the caller. Every way the bytes can be wrong is an
// http::error with a detail naming the offending value; a parser that failed stays failed.
//
//   parser p(parser::kind::response);
//   while (!p.done()) { auto used = p.feed(bytes); ... }  // or p.feed_eof() when the peer closes
//   message m = p.release();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/http_error.h"
#include "wire/http_message.h"

namespace lambdakit::wire::http {

struct limits {
  std::size_t max_head =
      std::size_t{64} * 1024;    // start line + header fields, bytes (also trailers)
  std::size_t max_fields = 128;  // header fields (also trailer fields)
  std::size_t max_body = std::size_t{16} * 1024 * 1024;  // decoded body bytes
};

class parser {
 public:
  enum class kind { request, response };

  explicit parser(kind k, limits l = {}) : kind_(k), limits_(l) {}

  // Consumes a prefix of `data` and returns its length: all of it, or up to the end of the
  // message (done() is then true). After a failure every call returns the same failure.
  result<std::size_t> feed(std::string_view data);

  // The peer closed the connection. Completes a close-delimited response body; anything else
  // not yet complete is error::partial_message.
  result<void> feed_eof();

  // The message has no body whatever its headers say (a response to HEAD). Call before the
  // head is complete.
  void expect_no_body() { no_body_ = true; }

  bool head_done() const { return state_ > state::head; }
  bool done() const { return state_ == state::done; }

  message& get() { return msg_; }
  const message& get() const { return msg_; }
  message release() { return std::move(msg_); }

  // Ready for the next message on the same connection; keeps kind and limits.
  void reset();

 private:
  enum class state {
    head,
    body_length,
    body_eof,
    chunk_size,
    chunk_data,
    chunk_crlf,
    trailers,
    done,
    failed
  };

  failure fail(error e, std::string detail);  // enters the failed state
  result<std::size_t> feed_head(std::string_view data);
  result<void> parse_head();
  result<void> parse_start_line(std::string_view line);
  result<void> parse_fields(fields& out, std::size_t from, std::size_t to);
  result<void> choose_framing();
  result<std::size_t> feed_chunk_size(std::string_view data);
  result<std::size_t> feed_trailers(std::string_view data);

  kind kind_;
  limits limits_;
  state state_ = state::head;
  bool no_body_ = false;
  bool pending_cr_ = false;  // a CR seen before the message, perhaps the start of an empty line
  message msg_;
  std::uint64_t remaining_ = 0;  // body_length: bytes left; chunk_data: bytes left in the chunk
  std::size_t scanned_ = 0;      // how far the head or trailer buffer was searched for its end
  std::string line_;             // a chunk-size line being assembled
  failure failure_;
};

}  // namespace lambdakit::wire::http
