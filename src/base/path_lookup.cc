#include "base/path_lookup.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace lambdakit::base {
namespace fs = std::filesystem;

fs::path find_program(std::string_view program, const char* path) {
  if (program.empty()) return {};
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p, ec);
  };
  if (program.find('/') != std::string_view::npos) {
    fs::path p(program);
    return executable(p) ? fs::absolute(p) : fs::path();
  }
  if (path == nullptr) path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    std::size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(program);
    if (executable(candidate)) return fs::absolute(candidate);
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace lambdakit::base
