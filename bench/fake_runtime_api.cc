#include "fake_runtime_api.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "base/child.h"
#include "wire/http_parser.h"

extern char** environ;

namespace lambdakit::bench {
namespace {
namespace http = wire::http;
using clock_type = std::chrono::steady_clock;

constexpr int wait_ms = 10000;

double micros(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
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

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for the child to end; kills it after the bound.
int reap(pid_t pid) {
  int status = 0;
  for (int i = 0; i < wait_ms; ++i) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    ::usleep(1000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return decode_status(status);
}

}  // namespace

session_result run_session(const session_options& o) {
  session_result res;
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 8) != 0 ||
      ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    res.error = std::string("cannot listen on loopback: ") + std::strerror(errno);
    ::close(lfd);
    return res;
  }
  std::string api = "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  base::child_spec spec;
  spec.argv = o.argv;
  spec.search_path = true;
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "AWS_LAMBDA_RUNTIME_API=", 23) != 0) env.emplace_back(*e);
  }
  env.push_back(api);
  spec.env = std::move(env);
  spec.in = base::child_io::inherit;
  if (o.quiet) spec.out = spec.err = base::child_io::null;
  spec.close_other_fds = false;

  auto t0 = clock_type::now();
  auto spawned = base::start_child(spec);
  if (!spawned) {
    res.error = spawned.error().message();
    ::close(lfd);
    return res;
  }
  pid_t pid = *spawned;

  int cfd = -1;
  int served = 0;
  bool first = true, finished = false;
  clock_type::time_point sent;
  http::parser parser(http::parser::kind::request);
  char buf[65536];
  while (!finished) {
    pollfd fds[2] = {{lfd, POLLIN, 0}, {cfd, POLLIN, 0}};
    int n = ::poll(fds, cfd >= 0 ? 2 : 1, wait_ms);
    if (n <= 0) {
      res.error = "the runtime went quiet for 10 s";
      break;
    }
    if (fds[0].revents & POLLIN) {
      if (cfd >= 0) ::close(cfd);
      cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      int one = 1;
      ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      parser.reset();
      continue;
    }
    if (cfd < 0 || !(fds[1].revents & (POLLIN | POLLHUP))) continue;
    ssize_t got = ::recv(cfd, buf, sizeof buf, 0);
    if (got <= 0) {  // the runtime closed: it exited, or will reconnect
      ::close(cfd);
      cfd = -1;
      if (!first) finished = true;
      continue;
    }
    std::string_view data(buf, static_cast<std::size_t>(got));
    while (!data.empty() && !finished) {
      auto used = parser.feed(data);
      if (!used) {
        res.error = "the runtime sent malformed HTTP: " + used.error().message();
        finished = true;
        break;
      }
      data.remove_prefix(*used);
      if (!parser.done()) break;
      auto now = clock_type::now();
      const http::message& m = parser.get();
      std::string reply;
      if (m.method() == "GET" && m.target().ends_with("/invocation/next")) {
        if (first) {
          res.spawn_to_first_next_us = micros(t0, now);
          first = false;
        }
        if (served < o.invocations) {
          auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() +
                          60000;
          reply = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: bench-" +
                  std::to_string(served) +
                  "\r\nLambda-Runtime-Deadline-Ms: " + std::to_string(deadline) +
                  "\r\nLambda-Runtime-Invoked-Function-Arn: "
                  "arn:aws:lambda:us-east-1:000000000000:function:bench"
                  "\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0"
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(o.payload.size()) + "\r\n\r\n" + o.payload;
          ++served;
          sent = clock_type::now();
        } else {
          reply =
              "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: "
              "close\r\n\r\n";
          finished = true;
        }
      } else {
        res.warm_round_trip_us.push_back(micros(sent, now));
        reply = "HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";
      }
      parser.reset();
      if (!send_all(cfd, reply)) {
        res.error = "the runtime closed the connection early";
        finished = true;
      }
    }
  }
  res.exit_status = reap(pid);
  if (cfd >= 0) ::close(cfd);
  ::close(lfd);
  return res;
}

}  // namespace lambdakit::bench
