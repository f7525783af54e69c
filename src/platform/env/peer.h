// Who is on the other end of a loopback TCP connection: the check that lets each environment's
// Runtime API answer its own environment only (the network is shared with the host, as on
// Lambda, so any process here can reach any environment's port).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace lambdakit::platform::env {

// The inode of the socket at the other end of the accepted TCP connection `fd`, when that end
// is on this machine (asked of the kernel through sock_diag); nullopt when it cannot be known.
std::optional<std::uint64_t> peer_socket_inode(int fd);

// Whether `root` or one of its descendants holds the socket `inode` open. For an environment
// whose runtime is the child of its PID namespace's init, `root` is that init: every process of
// the environment descends from it, orphans included.
bool tree_holds_socket(pid_t root, std::uint64_t inode);

}  // namespace lambdakit::platform::env
