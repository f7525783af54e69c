#include "fake_go1x_host.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "base/child.h"
#include "wire/go1x/rpc_client.h"

extern char** environ;

namespace lambdakit::bench {
namespace {
namespace go1x = wire::go1x;
using clock_type = std::chrono::steady_clock;

double micros(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int dial(int port, clock_type::time_point give_up) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  while (clock_type::now() < give_up) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return -1;
}

bool send_all(int fd, const std::string& s) {
  std::size_t at = 0;
  while (at < s.size()) {
    ssize_t n = ::send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until the conversation has the next reply; an error text on failure.
std::string await_reply(int fd, go1x::client_conversation& conv) {
  char buf[65536];
  for (;;) {
    auto r = conv.next();
    if (!r) return r.error().message();
    if (*r)
      return (*r)->error.empty() && (!(*r)->invoke || !(*r)->invoke->error)
                 ? std::string()
                 : "the function answered with an error";
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return "the function went quiet for 10 s";
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "the function closed the connection";
    conv.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

session_result run_go1x_session(const session_options& o) {
  session_result res;
  int port = free_port();
  base::child_spec spec;
  spec.argv = o.argv;
  spec.search_path = true;
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "AWS_LAMBDA_RUNTIME_API=", 23) != 0) env.emplace_back(*e);
  }
  env.push_back("_LAMBDA_SERVER_PORT=" + std::to_string(port));
  spec.env = std::move(env);
  spec.in = base::child_io::inherit;
  if (o.quiet) spec.out = spec.err = base::child_io::null;
  spec.close_other_fds = false;

  auto t0 = clock_type::now();
  auto spawned = base::start_child(spec);
  if (!spawned) {
    res.error = spawned.error().message();
    return res;
  }
  pid_t pid = *spawned;
  int fd = dial(port, t0 + std::chrono::seconds(10));
  if (fd < 0) {
    res.error = "the function never listened on _LAMBDA_SERVER_PORT";
  } else {
    go1x::client_conversation conv;
    std::string out;
    conv.call_ping(out);
    if (!send_all(fd, out)) res.error = "sending Ping failed";
    if (res.error.empty()) res.error = await_reply(fd, conv);
    res.spawn_to_first_next_us = micros(t0, clock_type::now());
    go1x::invoke_request req;
    req.payload = o.payload;
    req.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench";
    req.trace_id = "Root=1-00000000-000000000000000000000000;Sampled=0";
    req.deadline_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() +
                           60;
    for (int i = 0; i < o.invocations && res.error.empty(); ++i) {
      req.request_id = "bench-" + std::to_string(i);
      out.clear();
      conv.call_invoke(req, out);
      auto sent = clock_type::now();
      if (!send_all(fd, out)) {
        res.error = "sending Invoke failed";
        break;
      }
      res.error = await_reply(fd, conv);
      res.warm_round_trip_us.push_back(micros(sent, clock_type::now()));
    }
    ::close(fd);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  res.exit_status = decode_status(status);
  return res;
}

}  // namespace lambdakit::bench
