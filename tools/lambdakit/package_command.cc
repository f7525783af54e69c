// `lambdakit package BINARY --runtime R --output ZIP`: the checked deployment zip.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"
#include "package/packager.h"
#include "package/targets.h"

namespace lambdakit::cli {

void add_package(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<package::package_options>();
  CLI::App* cmd = app.add_subcommand(
      "package", "Make the deployment zip for a function binary, checked against its runtime");
  cmd->add_option("binary", o->binary,
                  "The function binary (python3.x: the extension module, e.g. hello.abi3.so)")
      ->required();
  cmd->add_option("--runtime", o->runtime, package::packaged_runtimes())->capture_default_str();
  cmd->add_option("--arch", o->arch, "x86_64 or arm64")->capture_default_str();
  cmd->add_option("--output,-o", o->output, "The zip to write")->required();
  cmd->add_option("--handler", o->handler,
                  "go1.x: the executable's name in the zip, the function's Handler (default: the "
                  "binary's file name); python3.x: must be MODULE.handler if given");
  cmd->add_flag("--bundle-libraries", o->bundle_libraries,
                "Ship the shared libraries and loader the binary uses here in lib/ (the "
                "`bundle` strategy; needs patchelf)");
  cmd->footer(
      "The binary becomes `bootstrap` (mode 0755; for go1.x, the --handler name) in a "
      "deterministic zip:\nsame input, same bytes.\n"
      "Before writing, the binary's architecture, shared libraries and glibc/libstdc++ symbol "
      "versions\n"
      "are checked against the runtime's OS (Amazon Linux 2: glibc 2.26; 2023: glibc 2.34;\n"
      "go1.x and provided: Amazon Linux 2018.03, glibc 2.17).\n"
      "python3.x: the module keeps its file name (hello.abi3.so for 3.12+, "
      "hello.cpython-311-x86_64-linux-gnu.so\nfor 3.11), must not link libpython, and the "
      "Handler is hello.handler (docs/python.md).\n"
      "Then: aws lambda create-function --function-name NAME --runtime provided.al2023 --handler "
      "bootstrap \\\n"
      "        --role ROLE_ARN --zip-file fileb://ZIP [--endpoint-url http://127.0.0.1:9001]");
  cmd->callback([o, &exit_code] {
    auto r = package::package_function(*o);
    if (!r) {
      std::fprintf(stderr, "lambdakit package: %s\n", r.error().message().c_str());
      exit_code = 1;
      return;
    }
    std::printf("%s\n", r->zip.c_str());
    if (r->handler != "bootstrap")
      std::fprintf(stderr, "  %-10s %s\n", "handler", r->handler.c_str());
    for (std::size_t i = 0; i < r->entries.size(); ++i) {
      std::fprintf(stderr, "  %-10s %s\n", i == 0 ? "contents" : "", r->entries[i].c_str());
    }
    std::fprintf(stderr, "  %-10s %.1f KB zipped, %.1f KB unzipped\n  %-10s %s\n", "size",
                 static_cast<double>(r->zip_bytes) / 1024,
                 static_cast<double>(r->unzipped_bytes) / 1024, "linkage", r->linkage.c_str());
    exit_code = 0;
  });
}

}  // namespace lambdakit::cli
