// inspect: a test function that reports what it sees of its execution environment, so tests
// can check the local service's sandbox from the inside: {"cwd": ..., "task_root": ...,
// "tmpdir": ..., "root": [entries of /], "task_root_write_errno": ..., "hostname": ...}.
#include <dirent.h>
#include <fcntl.h>
#include <lambdakit/lambdakit.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/json_text.h"

namespace {

using test_functions::quoted;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string root_entries() {
  std::vector<std::string> names;
  if (DIR* d = ::opendir("/")) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::string out = "[";
  for (const auto& n : names) out += (out.size() > 1 ? "," : "") + quoted(n);
  return out + "]";
}

int write_errno(const std::string& dir) {
  std::string path = dir + "/.lambdakit-inspect";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink(path.c_str());
  return 0;
}

}  // namespace

int main() {
  return lambdakit::run([](const lambdakit::invocation&) {
    char cwd[4096] = "";
    if (::getcwd(cwd, sizeof cwd) == nullptr) cwd[0] = '\0';
    char host[256] = "";
    ::gethostname(host, sizeof host - 1);
    std::string task_root = env("LAMBDA_TASK_ROOT");
    std::string body = "{\"cwd\":" + quoted(cwd) + ",\"task_root\":" + quoted(task_root) +
                       ",\"tmpdir\":" + quoted(env("TMPDIR")) + ",\"root\":" + root_entries() +
                       ",\"task_root_write_errno\":" + std::to_string(write_errno(task_root)) +
                       ",\"tmp_write_errno\":" + std::to_string(write_errno("/tmp")) +
                       ",\"hostname\":" + quoted(host) + "}";
    return lambdakit::response::json(body);
  });
}
