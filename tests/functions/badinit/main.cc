// badinit: its Init (run_options::init) throws, as a function whose database is unreachable at
// start-up would. On every path Init fails with that error's type and message.
#include <lambdakit/lambdakit.h>

#include <stdexcept>

namespace app {
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace app

int main() {
  lambdakit::run_options options;
  options.init = [] { throw app::config_error("DATABASE_URL is not set"); };
  return lambdakit::run(
      [](const lambdakit::invocation&) { return lambdakit::response::json("{}"); }, options);
}
