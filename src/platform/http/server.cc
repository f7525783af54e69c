#include "platform/http/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <string>

namespace lambdakit::platform::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::shared_ptr<const handler> h, std::size_t body_limit)
      : stream_(std::move(socket)), handler_(std::move(h)), body_limit_(body_limit) {}

  void start() { read_header(); }

  void close() {
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  bool closed() const { return closed_; }

 private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(64 * 1024);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
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
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return too_large();
    if (ec) return fail(ec);
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg)
      req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    // The responder keeps the session alive until it answers: an invoke answers later.
    auto answered = std::make_shared<bool>(false);
    (*handler_)(std::move(req), [self = shared_from_this(), answered](response r) {
      if (*answered) return;  // a responder answers once
      *answered = true;
      if (!self->closed_) self->write(std::move(r));
    });
  }

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
  std::size_t body_limit_;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool linger_ = false;  // after a 413: drain, then close
  std::size_t drained_ = 0;
  std::unique_ptr<char[]> scratch_;  // only while draining: sessions are many, drains rare
};

class server_impl final : public server {
 public:
  server_impl(asio::io_context& io, server_options options, handler h)
      : acceptor_(io),
        options_(std::move(options)),
        handler_(std::make_shared<const handler>(std::move(h))) {}

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
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        auto s = std::make_shared<session>(std::move(socket), handler_, options_.body_limit);
        sessions_.remove_if([](const std::weak_ptr<session>& w) { return w.expired(); });
        sessions_.push_back(s);
        s->start();
      }
      accept();
    });
  }

  std::uint16_t port() const override { return port_; }

  void close() override {
    beast::error_code ec;
    acceptor_.close(ec);
    for (auto& w : sessions_) {
      if (auto s = w.lock()) s->close();
    }
    sessions_.clear();
  }

  ~server_impl() override { close(); }

 private:
  tcp::acceptor acceptor_;
  server_options options_;
  std::shared_ptr<const handler> handler_;
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
