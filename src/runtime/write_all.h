// Writing a whole buffer to a peer: a socket (Node's extra stdio, the go1.x host's TCP connection)
// gets send(MSG_NOSIGNAL), so a vanished peer is EPIPE rather than SIGPIPE; a pipe gets write().
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "base/unique_fd.h"

namespace lambdakit::runtime {

// 0 when all of `bytes` went out, else the errno of the failed write.
inline int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = base::retry_eintr([&] {
      ssize_t r = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (r < 0 && errno == ENOTSOCK) r = ::write(fd, bytes.data(), bytes.size());
      return r;
    });
    if (n < 0) return errno;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace lambdakit::runtime
