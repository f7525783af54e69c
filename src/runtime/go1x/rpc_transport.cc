#include "runtime/go1x/rpc_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "runtime/log.h"
#include "runtime/runtime_api/runtime_error.h"
#include "runtime/write_all.h"
#include "wire/json.h"

namespace lambdakit::runtime {
namespace go1x = wire::go1x;
namespace {

constexpr std::size_t read_chunk = std::size_t{64} * 1024;

std::string peer_name(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "the host";
  char ip[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(ntohs(a.sin_port));
}

result<void> send_all(int fd, std::string_view bytes) {
  if (int err = write_all(fd, bytes); err != 0) {
    return make_failure(std::error_code(err, std::generic_category()), "sending the reply");
  }
  return {};
}

// {"cognitoIdentityId":..,"cognitoIdentityPoolId":..}, as the Runtime API hands it over.
std::string cognito_json(const go1x::invoke_request& r) {
  if (r.cognito_identity_id.empty() && r.cognito_identity_pool_id.empty()) return {};
  std::string out = "{\"cognitoIdentityId\":";
  wire::json::append_string(out, r.cognito_identity_id);
  out += ",\"cognitoIdentityPoolId\":";
  wire::json::append_string(out, r.cognito_identity_pool_id);
  out += "}";
  return out;
}

invocation to_invocation(go1x::invoke_request&& r) {
  invocation inv;
  inv.cognito_identity = cognito_json(r);
  inv.payload = std::move(r.payload);
  inv.request_id = std::move(r.request_id);
  inv.xray_trace_id = std::move(r.trace_id);
  inv.function_arn = std::move(r.function_arn);
  inv.client_context = std::move(r.client_context);
  inv.deadline = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(r.deadline_seconds) + std::chrono::nanoseconds(r.deadline_nanos)));
  return inv;
}

go1x::invoke_response error_response(const function_error& e) {
  go1x::invoke_response r;
  go1x::invoke_error& err = r.error.emplace();
  err.message = e.message;
  err.type = e.type;
  for (const auto& frame : e.stack_trace) err.stack_trace.push_back({"", 0, frame});
  return r;
}

}  // namespace

struct rpc_transport::connection {
  base::unique_fd fd;
  std::string peer;
  go1x::server_conversation conv;
  std::optional<go1x::call> invoke;  // read, not yet handed to the handler
  bool closed = false;
};

rpc_transport::rpc_transport(base::unique_fd listener, std::uint16_t port)
    : listener_(std::move(listener)), port_(port) {}

rpc_transport::~rpc_transport() = default;

result<std::unique_ptr<rpc_transport>> rpc_transport::listen(std::uint16_t port) {
  base::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return make_failure(errno_code(), "creating the go1.x listener");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return make_failure(errno_code(), "binding 127.0.0.1:" + std::to_string(port) +
                                          " (_LAMBDA_SERVER_PORT); is another process on it?");
  }
  if (::listen(fd.get(), 16) != 0) return make_failure(errno_code(), "listening for the host");
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return std::unique_ptr<rpc_transport>(new rpc_transport(std::move(fd), ntohs(a.sin_port)));
}

result<void> rpc_transport::accept_one() {
  int fd =
      base::retry_eintr([&] { return ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC); });
  if (fd < 0) {
    if (errno == ECONNABORTED || errno == EAGAIN) return {};
    return make_failure(errc::api_unreachable,
                        "accepting a go1.x connection: " + errno_code().message());
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto c = std::make_unique<connection>();
  c->fd.reset(fd);
  c->peer = peer_name(fd);
  conns_.push_back(std::move(c));
  return {};
}

void rpc_transport::close(connection& c, const std::string& why) {
  if (c.closed) return;
  if (!why.empty()) log_line("go1.x: closing the connection from " + c.peer + ": " + why);
  c.closed = true;
  c.fd.reset();
  c.invoke.reset();
}

// Serves every complete call buffered on `c` up to the first Invoke; false when `c` closed.
bool rpc_transport::serve_buffered(connection& c) {
  while (!c.invoke) {
    auto call = c.conv.next();
    if (!call) {
      close(c, call.error().message() +
                   " (the bytes are not a Go net/rpc gob stream; the other connections go on)");
      return false;
    }
    if (!*call) return true;
    out_.clear();
    switch ((*call)->k) {
      case go1x::call::kind::invoke:
        c.invoke = std::move(**call);
        return true;
      case go1x::call::kind::ping:
        c.conv.reply_ping(**call, out_);
        break;
      case go1x::call::kind::refused:
        c.conv.reply_error(**call, (*call)->refusal, out_);
        break;
    }
    if (auto s = send_all(c.fd.get(), out_); !s) {
      close(c, s.error().message());
      return false;
    }
  }
  return true;
}

bool rpc_transport::read_from(connection& c) {
  char buf[read_chunk];
  ssize_t n = base::retry_eintr([&] { return ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT); });
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
  if (n <= 0) {
    std::size_t partial = c.conv.buffered();
    close(c, n < 0 ? errno_code().message()
                   : (partial > 0 ? "the host closed it in the middle of a message (" +
                                        std::to_string(partial) + " bytes unread)"
                                  : std::string()));
    return false;
  }
  c.conv.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  return serve_buffered(c);
}

result<invocation> rpc_transport::next() {
  std::vector<pollfd> fds;
  while (true) {
    std::erase_if(conns_, [](const auto& c) { return c->closed; });
    for (auto& c : conns_) {
      if (c->invoke) {
        in_flight_ = c.get();
        call_ = std::move(*c->invoke);
        c->invoke.reset();
        return to_invocation(std::move(call_.invoke));
      }
    }
    fds.clear();
    fds.push_back({listener_.get(), POLLIN, 0});
    for (auto& c : conns_) fds.push_back({c->fd.get(), POLLIN, 0});
    if (base::retry_eintr([&] { return ::poll(fds.data(), fds.size(), -1); }) < 0) {
      return make_failure(errc::api_unreachable, "poll: " + errno_code().message());
    }
    if (fds[0].revents != 0) {
      if (auto a = accept_one(); !a) return std::move(a).error();
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        connection& c = *conns_[i - 1];
        read_from(c);
      }
    }
  }
}

result<void> rpc_transport::reply(const go1x::invoke_response& r) {
  connection* c = in_flight_;
  in_flight_ = nullptr;
  if (c == nullptr || c->closed) {
    return make_failure(errc::rejected, "the host closed the connection before the answer");
  }
  out_.clear();
  c->conv.reply_invoke(call_, r, out_);
  if (auto s = send_all(c->fd.get(), out_); !s) {
    close(*c, s.error().message());
    return make_failure(errc::rejected, "the host's connection broke: " + s.error().message());
  }
  serve_buffered(*c);
  return {};
}

result<void> rpc_transport::post_response(std::string_view, const response& r) {
  go1x::invoke_response out;
  out.payload = r.body();
  return reply(out);
}

result<void> rpc_transport::post_error(std::string_view, const function_error& e) {
  return reply(error_response(e));
}

result<void> rpc_transport::post_init_error(const function_error&) {
  return {};
}

bool rpc_transport::is_fatal(const failure& f) const {
  return f.code == errc::api_unreachable;
}

}  // namespace lambdakit::runtime
