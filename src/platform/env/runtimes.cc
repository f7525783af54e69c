#include "platform/env/runtimes.h"

#include <unistd.h>

namespace lambdakit::platform::env {
namespace {

class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lambdakit.runtime_host"; }
  std::string message(int ev) const override {
    switch (static_cast<runtime_errc>(ev)) {
      case runtime_errc::invalid_entrypoint: return "Runtime.InvalidEntrypoint";
      case runtime_errc::unsupported_runtime: return "Runtime.Unsupported";
    }
    return "unknown";
  }
};

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::error_code make_error_code(runtime_errc e) noexcept {
  static const category_impl instance;
  return {static_cast<int>(e), instance};
}

bool known_runtime(const std::string& r) {
  return r.empty() || r == "provided" || r == "provided.al2" || r == "provided.al2023" || starts_with(r, "python3.") ||
         starts_with(r, "nodejs");
}

result<std::vector<std::string>> runtime_command(const function_config& fn, const std::filesystem::path& task_root) {
  const std::string& r = fn.runtime;
  if (r.empty() || starts_with(r, "provided")) {
    auto bootstrap = task_root / "bootstrap";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(bootstrap, ec) || ::access(bootstrap.c_str(), X_OK) != 0) {
      return make_failure(runtime_errc::invalid_entrypoint,
                          "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
    }
    return std::vector<std::string>{bootstrap.string()};
  }
  return make_failure(runtime_errc::unsupported_runtime, "runtime " + r + " is not available in this build");
}

}  // namespace lambdakit::platform::env
