// lambdakit: the command-line tool. Subcommands arrive with their issues (serve, invoke, build,
// package, deploy, bench); today it tells what it is.
#include <lambdakit/version.h>

#include <cstdio>
#include <cstring>

namespace {

constexpr const char* usage =
    "usage: lambdakit <command> [options]\n"
    "\n"
    "C++ functions on AWS Lambda: build, package, run locally and measure.\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help and exit\n"
    "  --version      print the version and exit\n"
    "\n"
    "A function is a program whose main is `return lambdakit::run(handler);`.\n"
    "Run one locally under AWS's Runtime Interface Emulator:\n"
    "  aws-lambda-rie ./build/bin/hello\n"
    "  curl -d '{}' http://localhost:8080/2015-03-31/functions/function/invocations\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0) {
    std::fputs(usage, stdout);
    return 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("lambdakit %s\n", lambdakit::version);
    return 0;
  }
  std::fprintf(stderr, "lambdakit: unknown command '%s'\n\n%s", argv[1], usage);
  return 2;
}
