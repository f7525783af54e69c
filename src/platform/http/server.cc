#include "platform/http/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>

namespace lambdakit::platform::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Limits every session of a server shares, and the count of live sessions.
constexpr std::size_t sink_piece =
    std::size_t{64} * 1024;  // a streamed body goes to its sink in pieces of it

struct session_limits {
  std::size_t body_limit = 0;
  std::chrono::milliseconds header_timeout{0};
  std::chrono::milliseconds body_timeout{0};
  std::function<body_sink(const request& head)> stream_body;
  std::size_t live = 0;
};

// The request a handler sees, from Beast's message (its body moved, not copied).
request to_request(bhttp::request<bhttp::string_body>& msg) {
  request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& f : msg)
    req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  return req;
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::shared_ptr<const handler> h,
          std::shared_ptr<session_limits> limits)
      : stream_(std::move(socket)),
        handler_(std::move(h)),
        limits_(std::move(limits)),
        body_limit_(limits_->body_limit) {
    ++limits_->live;
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string();
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() { --limits_->live; }

  void start() { read_header(); }

  void close() {
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  bool closed() const { return closed_; }
  // Waiting for a request head (idle, or sending one slowly): the session a newcomer may evict.
  bool waiting() const { return waiting_ && !closed_; }

 private:
  void read_header() {
    waiting_ = true;
    if (limits_->header_timeout.count() > 0) stream_.expires_after(limits_->header_timeout);
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(64 * 1024);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    waiting_ = false;
    if (limits_->body_timeout.count() > 0) stream_.expires_after(limits_->body_timeout);
    if (ec == bhttp::error::body_limit) return too_large();  // Beast checks Content-Length here
    if (ec) return fail(ec);
    auto& req = parser_->get();
    // A body announced over the limit is refused before a byte of it is read (and before
    // 100-continue invites it).
    if (auto length = parser_->content_length(); length && *length > body_limit_) {
      return too_large();
    }
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto cont =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                           if (e) return self->fail(e);
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    if (limits_->stream_body) {
      request head = to_request(parser_->get());
      sink_ = limits_->stream_body(head);
      // The sink keeps its own limit (it may drop what is past it); the body is never held.
      if (sink_) parser_->body_limit(boost::none);
    }
    if (sink_) {
      // Beast is done at the head when there is no body (Content-Length: 0): a read now would
      // wait for bytes that never come.
      if (parser_->is_done()) {
        sink_ = nullptr;
        return on_request({});
      }
      return read_some();
    }
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  // A streamed body: each read's bytes go to the sink, then are let go.
  void read_some() {
    if (buffer_.capacity() < sink_piece) buffer_.reserve(sink_piece);  // reads of up to 64 KiB
    bhttp::async_read_some(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_some(ec); });
  }

  void on_some(beast::error_code ec) {
    if (ec) {
      sink_ = nullptr;
      return ec == bhttp::error::body_limit ? too_large() : fail(ec);
    }
    std::chrono::milliseconds wait{0};
    auto& body = parser_->get().body();
    // Beast parses a read's worth at a time (often 512 bytes): the sink gets what has come so
    // far once there is a good piece of it, the body is over, or nothing more is waiting.
    beast::error_code avail_ec;
    bool more_waiting = stream_.socket().available(avail_ec) > 0 && !avail_ec;
    if (!body.empty() && (parser_->is_done() || body.size() >= sink_piece || !more_waiting)) {
      wait = sink_(body);
      body.clear();  // Beast's string body appends at its current size
    }
    if (parser_->is_done()) {
      sink_ = nullptr;
      return on_request({});
    }
    if (wait.count() <= 0) return read_some();
    if (!pause_) pause_.emplace(stream_.get_executor());
    pause_->expires_after(wait);
    pause_->async_wait([self = shared_from_this()](beast::error_code e) {
      if (e || self->closed_) return;
      self->read_some();
    });
  }

  void on_request(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return too_large();
    if (ec) return fail(ec);
    stream_.expires_never();  // the handler may take an invoke's whole timeout
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    request req = to_request(msg);
    req.peer = peer_;
    head_request_ = req.method == "HEAD";
    // The responder keeps the session alive until it answers: an invoke answers later.
    auto answered = std::make_shared<bool>(false);
    (*handler_)(std::move(req), [self = shared_from_this(), answered](response r) {
      if (*answered) return;  // a responder answers once
      *answered = true;
      if (self->closed_) return;
      if (r.stream) return self->write_streamed(r);
      self->write(std::move(r));
    });
  }

 public:
  // The streamed body's side (chunk_writer calls these). `seq` names the response a writer was
  // given with: a writer kept past its response's end does nothing to the connection's next one.
  void stream_write(std::string_view bytes, std::uint64_t seq) {
    if (closed_ || stream_done_ || seq != stream_seq_ || bytes.empty()) return;
    char size_line[24];
    int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", bytes.size());
    std::string chunk;
    chunk.reserve(static_cast<std::size_t>(n) + bytes.size() + 2);
    chunk.append(size_line, static_cast<std::size_t>(n)).append(bytes).append("\r\n");
    enqueue(std::move(chunk));
  }

  void stream_finish(std::uint64_t seq) {
    if (stream_done_ || seq != stream_seq_) return;
    stream_done_ = true;
    if (closed_) return;
    enqueue("0\r\n\r\n");
  }

  // The writer went away without finishing: the body can never be whole, so the connection
  // ends (the client sees a cut chunked body, not a hang).
  void stream_dropped(std::uint64_t seq) {
    if (!stream_done_ && seq == stream_seq_) close();
  }

  std::size_t stream_queued() const { return queued_; }
  bool stream_over(std::uint64_t seq) const { return seq != stream_seq_ || stream_done_; }

 private:
  // The head, written by hand (Beast's serializer wants the body type up front), then the
  // writer is given to the handler.
  void write_streamed(const response& r) {
    std::string head =
        "HTTP/1.1 " + std::to_string(r.status) + " " +
        std::string(bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(r.status)))) +
        "\r\n";
    for (const auto& [k, v] : r.headers) head.append(k).append(": ").append(v).append("\r\n");
    // An answer that has no body (HEAD, 1xx, 204, 304) is whole with its head: what the
    // writer is given is dropped, and no chunked framing follows that a client would misread.
    bool bodyless = head_request_ || r.status < 200 || r.status == 204 || r.status == 304;
    if (!bodyless) head += "Transfer-Encoding: chunked\r\n";
    if (!keep_alive_) head += "Connection: close\r\n";
    head += "\r\n";
    stream_done_ = bodyless;
    enqueue(std::move(head));
    r.stream(std::make_shared<chunk_writer>(shared_from_this(), ++stream_seq_));
  }

  void enqueue(std::string bytes) {
    queued_ += bytes.size();
    out_.push_back(std::move(bytes));
    flush();
  }

  void flush() {
    if (writing_ || out_.empty() || closed_) return;
    writing_ = true;
    if (limits_->body_timeout.count() > 0) stream_.expires_after(limits_->body_timeout);
    asio::async_write(stream_, asio::buffer(out_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) {
                          self->out_.clear();
                          self->queued_ = 0;
                          return self->fail(ec);
                        }
                        self->queued_ -= self->out_.front().size();
                        self->out_.pop_front();
                        if (!self->out_.empty()) return self->flush();
                        self->stream_.expires_never();  // the function may pause between chunks
                        if (!self->stream_done_) return;
                        if (!self->keep_alive_) return self->close();
                        self->read_header();
                      });
  }

  class chunk_writer final : public body_writer {
   public:
    chunk_writer(std::shared_ptr<session> s, std::uint64_t seq) : s_(std::move(s)), seq_(seq) {}
    chunk_writer(const chunk_writer&) = delete;
    chunk_writer& operator=(const chunk_writer&) = delete;
    ~chunk_writer() override { s_->stream_dropped(seq_); }
    void write(std::string bytes) override { s_->stream_write(bytes, seq_); }
    void finish() override { s_->stream_finish(seq_); }
    std::size_t queued() const override { return s_->stream_queued(); }
    // Gone, or done with: this writer's response is over (a later one may be on the wire).
    bool broken() const override { return s_->closed() || s_->stream_over(seq_); }

   private:
    std::shared_ptr<session> s_;
    std::uint64_t seq_;
  };

  // 413, then a lingering close: the client may still be sending the body it announced, and
  // closing on it would reset the connection before it reads the answer. So: answer, stop
  // sending, read and drop what still comes (at most drain_limit bytes, for 10 s), then close.
  void too_large() {
    response r;
    r.status = 413;
    r.set("Content-Type", "application/json");
    r.body = R"({"errorMessage":"Request body too large: the limit is )" +
             std::to_string(body_limit_) + R"( bytes","errorType":"RequestEntityTooLarge"})";
    keep_alive_ = false;
    linger_ = true;
    write(std::move(r));
  }

  void drain() {
    static constexpr std::size_t drain_limit = std::size_t{256} * 1024 * 1024;
    static constexpr std::size_t scratch_size = std::size_t{64} * 1024;
    if (!scratch_) scratch_ = std::make_unique<char[]>(scratch_size);
    stream_.async_read_some(boost::asio::buffer(scratch_.get(), scratch_size),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > drain_limit) return self->close();
                              self->drain();
                            });
  }

  void write(response r) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    for (auto& [k, v] : r.headers) res->insert(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    // A client that does not read its answer gives its connection up after body_timeout.
    if (limits_->body_timeout.count() > 0) stream_.expires_after(limits_->body_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail(ec);
                         if (self->linger_) {
                           beast::error_code e;
                           self->stream_.socket().shutdown(tcp::socket::shutdown_send, e);
                           self->stream_.expires_after(std::chrono::seconds(10));
                           return self->drain();
                         }
                         if (!self->keep_alive_) return self->close();
                         self->read_header();
                       });
  }

  void fail(beast::error_code) { close(); }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<const handler> handler_;  // shared: a session may outlive its server
  std::shared_ptr<session_limits> limits_;
  std::size_t body_limit_;
  std::string peer_;              // the client's address
  bool head_request_ = false;     // the request being answered is a HEAD
  std::uint64_t stream_seq_ = 0;  // the latest streamed response's number
  bool waiting_ = false;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool linger_ = false;  // after a 413: drain, then close
  std::size_t drained_ = 0;
  std::unique_ptr<char[]> scratch_;          // only while draining: sessions are many, drains rare
  body_sink sink_;                           // while a streamed request body is read
  std::optional<asio::steady_timer> pause_;  // a sink asked to wait before the next read
  std::deque<std::string> out_;  // a streamed response's head and chunks, not yet written
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool stream_done_ = true;  // no streamed response in progress (or its last chunk is queued)
};

class server_impl final : public server {
 public:
  server_impl(asio::io_context& io, server_options options, handler h)
      : acceptor_(io),
        retry_(io),
        options_(std::move(options)),
        handler_(std::make_shared<const handler>(std::move(h))),
        limits_(std::make_shared<session_limits>()) {
    limits_->body_limit = options_.body_limit;
    limits_->header_timeout = options_.header_timeout;
    limits_->body_timeout = options_.body_timeout;
    limits_->stream_body = options_.stream_body;
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

  result<void> bind() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return make_failure(ec, "\"" + options_.host + "\" is not an IP address");
    tcp::endpoint ep(address, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return make_failure(
          ec, "cannot listen on " + options_.host + ":" + std::to_string(options_.port));
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) return accept_failed(ec);
      if (options_.admit && !options_.admit(socket.native_handle())) {
        socket.close(ec);
        return accept();
      }
      socket.set_option(tcp::no_delay(true), ec);
      sessions_.remove_if([](const std::weak_ptr<session>& w) { return w.expired(); });
      if (options_.max_connections > 0 && limits_->live >= options_.max_connections &&
          !evict_one_waiting()) {
        refuse(std::move(socket), "lambdakit serve has " + std::to_string(limits_->live) +
                                      " connections, its limit, and every one is busy; try again "
                                      "shortly (lambdakit serve --max-connections)");
        return accept();
      }
      auto s = std::make_shared<session>(std::move(socket), handler_, limits_);
      sessions_.push_back(s);
      s->start();
      accept();
    });
  }

  // Out of descriptors (or another accept error): never a busy loop. EMFILE/ENFILE: give the
  // spare descriptor back, take the waiting connection, tell it why, close it, then re-arm;
  // anything else: pause 50 ms.
  void accept_failed(beast::error_code ec) {
    if ((ec == asio::error::no_descriptors || ec.value() == ENFILE) && spare_fd_ >= 0) {
      ::close(spare_fd_);
      spare_fd_ = -1;
      beast::error_code e;
      tcp::socket s = acceptor_.accept(e);
      if (!e) {
        refuse(std::move(s), "lambdakit serve is out of file descriptors; try again shortly");
      }
      spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    retry_.expires_after(std::chrono::milliseconds(50));
    retry_.async_wait([this](beast::error_code e) {
      if (!e && acceptor_.is_open()) accept();
    });
  }

  // The oldest connection that is waiting for a request gives way to a new one.
  bool evict_one_waiting() {
    for (auto& w : sessions_) {
      if (auto s = w.lock(); s && s->waiting()) {
        s->close();
        return true;
      }
    }
    return false;
  }

  // A 503 written without reading the request, then the connection is closed.
  static void refuse(tcp::socket socket, const std::string& why) {
    std::string body = R"({"Type":"Server","message":")" + why + R"("})";
    std::string head =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "x-amzn-ErrorType: ServiceException\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    beast::error_code ec;
    socket.non_blocking(true, ec);
    (void)socket.write_some(asio::buffer(head), ec);  // small: fits the socket buffer
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  std::uint16_t port() const override { return port_; }
  std::size_t connections() const override { return limits_->live; }

  void close() override {
    beast::error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
    for (auto& w : sessions_) {
      if (auto s = w.lock()) s->close();
    }
    sessions_.clear();
  }

  ~server_impl() override {
    try {
      close();
    } catch (...) {  // the timer's cancel reports errors by exception; nothing to do here
    }
    if (spare_fd_ >= 0) ::close(spare_fd_);
  }

 private:
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  server_options options_;
  std::shared_ptr<const handler> handler_;
  std::shared_ptr<session_limits> limits_;
  int spare_fd_ = -1;  // given back when descriptors run out, to refuse politely
  std::uint16_t port_ = 0;
  std::list<std::weak_ptr<session>> sessions_;
};

}  // namespace

result<std::unique_ptr<server>> server::start(asio::io_context& io, server_options options,
                                              handler h) {
  auto s = std::make_unique<server_impl>(io, std::move(options), std::move(h));
  if (auto b = s->bind(); !b) return std::move(b).error();
  s->accept();
  return std::unique_ptr<server>(std::move(s));
}

}  // namespace lambdakit::platform::http
