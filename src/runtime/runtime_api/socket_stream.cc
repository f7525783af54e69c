#include "runtime/runtime_api/socket_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

// Weak, so a fully static binary does not pull in glibc's NSS-based resolver (which would need
// the build machine's libnss at run time). There, only numeric addresses and "localhost" work,
// which is all Lambda, the RIE and lambdakit's service ever give.
#pragma weak getaddrinfo
#pragma weak freeaddrinfo
#pragma weak gai_strerror

namespace lambdakit::runtime {
namespace {

using base::retry_eintr;
using base::unique_fd;

std::error_code last_error() {
  return errno_code();
}

class socket_stream final : public byte_stream {
 public:
  explicit socket_stream(unique_fd fd) : fd_(std::move(fd)) {}

  result<std::size_t> read_some(char* buf, std::size_t size) override {
    ssize_t n = retry_eintr([&] { return ::recv(fd_.get(), buf, size, 0); });
    if (n < 0) return make_failure(last_error(), "reading from the Runtime API");
    return static_cast<std::size_t>(n);
  }

  result<void> write_all(const std::string_view* parts, std::size_t count) override {
    constexpr std::size_t max_iov = 8;
    iovec iov[max_iov];
    std::size_t n = 0;
    for (std::size_t i = 0; i < count && n < max_iov; ++i) {
      if (parts[i].empty()) continue;
      iov[n].iov_base = const_cast<char*>(parts[i].data());
      iov[n].iov_len = parts[i].size();
      ++n;
    }
    iovec* cur = iov;
    while (n > 0) {
      msghdr msg{};
      msg.msg_iov = cur;
      msg.msg_iovlen = n;
      ssize_t sent = retry_eintr([&] { return ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL); });
      if (sent < 0) return make_failure(last_error(), "writing to the Runtime API");
      auto left = static_cast<std::size_t>(sent);
      while (n > 0 && left >= cur->iov_len) {
        left -= cur->iov_len;
        ++cur;
        --n;
      }
      if (n > 0) {
        cur->iov_base = static_cast<char*>(cur->iov_base) + left;
        cur->iov_len -= left;
      }
    }
    return {};
  }

 private:
  unique_fd fd_;
};

class tcp_connector final : public connector {
 public:
  explicit tcp_connector(endpoint ep) : ep_(std::move(ep)) {
    bool v6 = ep_.host.find(':') != std::string::npos;
    authority_ = (v6 ? "[" + ep_.host + "]" : ep_.host) + ":" + std::to_string(ep_.port);
  }

  result<std::unique_ptr<byte_stream>> connect() override {
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (auto r = resolve(addr, len); !r) return std::move(r).error();
    unique_fd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return make_failure(last_error(), "creating a socket");
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (retry_eintr([&] { return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len); }) !=
        0)
      return make_failure(last_error(), "connecting to " + authority_);
    return std::unique_ptr<byte_stream>(new socket_stream(std::move(fd)));
  }

  void pause(std::chrono::milliseconds d) override {
    timespec ts{static_cast<time_t>(d.count() / 1000),
                static_cast<long>(d.count() % 1000) * 1000000L};
    retry_eintr([&] { return ::nanosleep(&ts, &ts); });
  }

  const std::string& authority() const override { return authority_; }

 private:
  result<void> resolve(sockaddr_storage& addr, socklen_t& len) const {
    std::string host = ep_.host == "localhost" ? "127.0.0.1" : ep_.host;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(ep_.port);
      len = sizeof *v4;
      return {};
    }
    if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(ep_.port);
      len = sizeof *v6;
      return {};
    }
    if (&::getaddrinfo == nullptr) {
      return make_failure(std::make_error_code(std::errc::address_not_available),
                          "cannot resolve \"" + host +
                              "\": this binary is fully static and resolves no host names; give "
                              "AWS_LAMBDA_RUNTIME_API a numeric address such as 127.0.0.1:9001");
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
      return make_failure(std::make_error_code(std::errc::host_unreachable),
                          "cannot resolve \"" + host + "\": " + ::gai_strerror(rc));
    }
    std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
    len = found->ai_addrlen;
    ::freeaddrinfo(found);
    if (addr.ss_family == AF_INET) v4->sin_port = htons(ep_.port);
    if (addr.ss_family == AF_INET6) v6->sin6_port = htons(ep_.port);
    return {};
  }

  endpoint ep_;
  std::string authority_;
};

}  // namespace

std::unique_ptr<connector> make_tcp_connector(endpoint ep) {
  return std::make_unique<tcp_connector>(std::move(ep));
}

}  // namespace lambdakit::runtime
