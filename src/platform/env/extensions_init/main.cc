// lambdakit-extensions-init DIR -- RUNTIME ARGV...: starts a function's external extensions,
// then its runtime, inside the environment's sandbox, in Lambda's order (runtimes-extensions-
// api.md): every regular file in DIR (/opt/extensions) is started, sorted by name; the runtime
// starts once each of them has registered with the Extensions API (the service answers GET
// /lambdakit/v1/extensions/registered then); afterwards this process stays as their parent,
// reports an extension that exits (POST /lambdakit/v1/extensions/failed), passes SIGTERM on to
// the runtime, and ends as the runtime ends, with its status.
//
// Static, with no dependency beyond the kernel: it runs in hermetic sandboxes too. Everything
// it is told comes from AWS_LAMBDA_RUNTIME_API (127.0.0.1:PORT) and its arguments.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

volatile sig_atomic_t runtime_pid = 0;
volatile sig_atomic_t terminating = 0;  // SIGTERM came: the environment shuts down
int child_pipe[2] = {-1, -1};           // written on SIGCHLD: the wait loop wakes up

void on_term(int) {
  terminating = 1;
  if (runtime_pid > 0) ::kill(runtime_pid, SIGTERM);
}

void on_child(int) {
  int saved = errno;
  char c = 0;
  (void)!::write(child_pipe[1], &c, 1);
  errno = saved;
}

void say(const std::string& line) {
  std::string out = "lambdakit-extensions-init: " + line + "\n";
  (void)!::write(2, out.data(), out.size());
}

// A connection to the service's Runtime/Extensions API port.
int connect_api() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr) return -1;
  std::string s(api);
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(s.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, s.substr(0, colon).c_str(), &addr.sin_addr) != 1) return -1;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t at = 0;
  while (at < data.size()) {
    ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

std::string request(const char* method, const char* path, const std::string& body) {
  std::string r = std::string(method) + " " + path +
                  " HTTP/1.1\r\nHost: runtime\r\nConnection: close\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n";
  if (!body.empty()) r += "Content-Type: application/json\r\n";
  return r + "\r\n" + body;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Tells the service that an extension failed (it fails the Init, or resets the environment).
void report_failure(const std::string& type, const std::string& message) {
  int fd = connect_api();
  if (fd < 0) return;
  std::string body =
      "{\"errorType\":" + json_string(type) + ",\"errorMessage\":" + json_string(message) + "}";
  if (send_all(fd, request("POST", "/lambdakit/v1/extensions/failed", body))) {
    char buf[512];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  }
  ::close(fd);
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal: ") + ::strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

struct started {
  std::string name;
  bool exec_failed = false;
};

// Reaps what ended; for an extension, reports it (an exit before the runtime started is an Init
// failure). Returns true when the runtime ended, with its status in `runtime_status`.
bool reap(std::map<pid_t, started>& extensions, int& runtime_status) {
  bool runtime_ended = false;
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    if (pid == runtime_pid) {
      runtime_status = status;
      runtime_ended = true;
      continue;
    }
    auto it = extensions.find(pid);
    if (it == extensions.end()) continue;  // a grandchild reparented here
    if (terminating) {                     // an extension done with its SHUTDOWN
      extensions.erase(it);
      continue;
    }
    bool launch = WIFEXITED(status) && WEXITSTATUS(status) == 127;
    report_failure(launch ? "Extension.LaunchError" : "Extension.Crash",
                   launch ? "Extension " + it->second.name + " could not be started"
                          : "Extension " + it->second.name + " exited: " + describe(status));
    extensions.erase(it);
  }
  return runtime_ended;
}

// Extensions get the runtime's variables less what Lambda keeps from them (runtimes-extensions-
// api.md: _HANDLER, AWS_EXECUTION_ENV, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, the log group and
// stream, the X-Ray daemon; [RIE] env/environment.go: anything starting with "_").
std::vector<char*> extension_environment() {
  std::vector<char*> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string_view k = kv.substr(0, kv.find('='));
    if (k.empty() || k[0] == '_' || k == "AWS_EXECUTION_ENV" || k == "LAMBDA_TASK_ROOT" ||
        k == "LAMBDA_RUNTIME_DIR" || k == "AWS_XRAY_DAEMON_ADDRESS" ||
        k.rfind("AWS_LAMBDA_LOG_", 0) == 0) {
      continue;
    }
    out.push_back(*e);
  }
  out.push_back(nullptr);
  return out;
}

// Gone with the helper when it gives up before the runtime runs (nothing else would end them
// without a PID namespace).
int give_up(std::map<pid_t, started>& extensions) {
  for (const auto& [pid, info] : extensions) ::kill(pid, SIGKILL);
  for (const auto& [pid, info] : extensions) ::waitpid(pid, nullptr, 0);
  return 1;
}

[[noreturn]] void end_as(int status) {
  if (WIFSIGNALED(status)) {
    ::signal(WTERMSIG(status), SIG_DFL);
    ::kill(::getpid(), WTERMSIG(status));
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--") != 0) {
    say("usage: lambdakit-extensions-init DIR -- RUNTIME ARGV...");
    return 2;
  }
  std::string dir = argv[1];
  if (::pipe2(child_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  struct sigaction sa {};
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  ::sigaction(SIGCHLD, &sa, nullptr);
  struct sigaction term {};
  term.sa_handler = on_term;
  term.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &term, nullptr);

  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      struct stat st {};
      if (n == "." || n == ".." || ::stat((dir + "/" + n).c_str(), &st) != 0) continue;
      if (S_ISREG(st.st_mode)) names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::map<pid_t, started> extensions;
  std::vector<char*> extension_env = extension_environment();
  for (const auto& n : names) {
    std::string path = dir + "/" + n;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::signal(SIGCHLD, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      char* args[] = {path.data(), nullptr};
      ::execve(path.c_str(), args, extension_env.data());
      say("cannot start extension " + path + ": " + std::strerror(errno));
      ::_exit(127);
    }
    if (pid > 0) extensions[pid] = {n, false};
  }

  // The runtime starts once every extension registered.
  int fd = connect_api();
  if (fd < 0 || !send_all(fd, request("GET", "/lambdakit/v1/extensions/registered", ""))) {
    say("cannot reach the Extensions API at AWS_LAMBDA_RUNTIME_API");
    return give_up(extensions);
  }
  std::string answer;
  int unused = 0;
  while (true) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {child_pipe[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return give_up(extensions);
    }
    if (fds[1].revents != 0) {
      char buf[64];
      while (::read(child_pipe[0], buf, sizeof buf) > 0) {
      }
      std::size_t before = extensions.size();
      reap(extensions, unused);
      if (extensions.size() < before) return give_up(extensions);  // reported: the Init fails
    }
    if (fds[0].revents != 0) {
      char buf[1024];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        answer.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      break;  // the answer is complete (Connection: close)
    }
  }
  ::close(fd);
  if (answer.rfind("HTTP/1.1 200", 0) != 0) {
    say("extensions did not all register before the runtime's Init: " +
        answer.substr(0, answer.find("\r\n")));
    return give_up(extensions);
  }

  pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGCHLD, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execve(argv[3], argv + 3, environ);
    say(std::string("cannot start ") + argv[3] + ": " + std::strerror(errno));
    ::_exit(127);
  }
  if (pid < 0) return give_up(extensions);
  runtime_pid = pid;
  int runtime_status = 0;
  while (true) {
    pollfd p = {child_pipe[0], POLLIN, 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) return 1;
    char buf[64];
    while (::read(child_pipe[0], buf, sizeof buf) > 0) {
    }
    if (reap(extensions, runtime_status)) runtime_pid = -1;
    if (runtime_pid > 0) continue;
    // The runtime ended. Shutting down, its extensions finish their SHUTDOWN (the service
    // kills them at its deadline); otherwise (a crash) they go with it.
    if (terminating && !extensions.empty()) continue;
    for (const auto& [ext, info] : extensions) ::kill(ext, SIGKILL);
    end_as(runtime_status);
  }
}
