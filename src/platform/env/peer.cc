#include "platform/env/peer.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace lambdakit::platform::env {
namespace {

constexpr std::size_t max_processes = 4096;  // a tree larger than the pids limit is not walked

std::string read_small(const std::string& path) {
  base::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// The children of every thread of `pid` (/proc/PID/task/TID/children).
void add_children(pid_t pid, std::vector<pid_t>& out) {
  std::string task = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(task.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string text = read_small(task + "/" + e->d_name + "/children");
    const char* p = text.c_str();
    while (*p != '\0' && out.size() < max_processes) {
      char* end = nullptr;
      long child = std::strtol(p, &end, 10);
      if (end == p) break;
      out.push_back(static_cast<pid_t>(child));
      p = end;
    }
  }
  ::closedir(d);
}

bool holds(pid_t pid, const std::string& link) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  char target[64];
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    if (link == target) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace

std::optional<std::uint64_t> peer_socket_inode(int fd) {
  sockaddr_in local{}, peer{};
  socklen_t len = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 ||
      local.sin_family != AF_INET)
    return std::nullopt;
  len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return std::nullopt;
  base::unique_fd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!nl) return std::nullopt;
  struct {
    nlmsghdr h;
    inet_diag_req_v2 r;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.h.nlmsg_seq = 1;
  req.r.sdiag_family = AF_INET;
  req.r.sdiag_protocol = IPPROTO_TCP;
  req.r.idiag_states = ~0U;
  // The other end's socket: its local address is our peer, its remote one is us.
  req.r.id.idiag_sport = peer.sin_port;
  req.r.id.idiag_dport = local.sin_port;
  std::memcpy(req.r.id.idiag_src, &peer.sin_addr, 4);
  std::memcpy(req.r.id.idiag_dst, &local.sin_addr, 4);
  req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  if (::send(nl.get(), &req, sizeof req, 0) != static_cast<ssize_t>(sizeof req))
    return std::nullopt;
  alignas(nlmsghdr) char buf[8192];
  ssize_t n = ::recv(nl.get(), buf, sizeof buf, 0);
  if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::nullopt;
  auto* h = reinterpret_cast<nlmsghdr*>(buf);
  if (!NLMSG_OK(h, static_cast<unsigned>(n)) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
      h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
    return std::nullopt;
  auto* m = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
  if (m->idiag_inode == 0) return std::nullopt;
  return m->idiag_inode;
}

bool tree_holds_socket(pid_t root, std::uint64_t inode) {
  std::string link = "socket:[" + std::to_string(inode) + "]";
  std::vector<pid_t> todo = {root};
  for (std::size_t i = 0; i < todo.size() && i < max_processes; ++i) {
    if (holds(todo[i], link)) return true;
    add_children(todo[i], todo);
  }
  return false;
}

}  // namespace lambdakit::platform::env
