#include "runtime/log.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/unique_fd.h"

namespace lambdakit::runtime {

void log_line(std::string_view message) noexcept {
  try {
    std::string line = "lambdakit: ";
    line.append(message);
    line.push_back('\n');
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = base::retry_eintr([&] { return ::write(2, p, left); });
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  } catch (...) {  // out of memory while reporting: nothing better to do than stay quiet
  }
}

}  // namespace lambdakit::runtime
