// `lambdakit package BINARY --runtime R --output ZIP`: the checked deployment zip; with
// `--layer lib|extension FILE...`, the zip of a layer.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"
#include "package/layer.h"
#include "package/packager.h"
#include "package/targets.h"

namespace lambdakit::cli {

void add_package(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<package::package_options>();
  auto files = std::make_shared<std::vector<std::filesystem::path>>();
  auto layer = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "package",
      "Make the deployment zip for a function binary (or a layer), checked against its runtime");
  cmd->add_option("binary", *files,
                  "The function binary (python3.x: the extension module, e.g. hello.abi3.so); "
                  "with --layer, the files of the layer")
      ->required();
  cmd->add_option("--from-layer", o->from_layers,
                  "A shared library the function needs that a layer brings in /opt/lib "
                  "(repeatable): not required of the runtime's OS");
  cmd->add_option("--layer", *layer,
                  "Make a layer instead: `lib` puts shared libraries in lib/ (/opt/lib on "
                  "Lambda, on LD_LIBRARY_PATH), `extension` puts executables in extensions/ "
                  "(/opt/extensions, started before the runtime)");
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
      "--layer lib|extension FILE...: the zip of a layer (lib/ or extensions/), the files "
      "checked the same way;\n"
      "  then: aws lambda publish-layer-version --layer-name NAME --zip-file fileb://ZIP\n"
      "Then: aws lambda create-function --function-name NAME --runtime provided.al2023 --handler "
      "bootstrap \\\n"
      "        --role ROLE_ARN --zip-file fileb://ZIP [--endpoint-url http://127.0.0.1:9001]");
  cmd->callback([o, files, layer, &exit_code] {
    result<package::package_report> r = [&]() -> result<package::package_report> {
      if (!layer->empty()) {
        package::layer_options lo;
        if (!package::parse_layer_kind(*layer, lo.kind)) {
          return failure{std::make_error_code(std::errc::invalid_argument),
                         "--layer must be lib or extension, not \"" + *layer + "\""};
        }
        lo.files = *files;
        lo.runtime = o->runtime;
        lo.arch = o->arch;
        lo.output = o->output;
        return package::package_layer(lo);
      }
      if (files->size() != 1) {
        return failure{std::make_error_code(std::errc::invalid_argument),
                       "a function is one binary (several files are for --layer lib|extension)"};
      }
      o->binary = files->front();
      return package::package_function(*o);
    }();
    if (!r) {
      std::fprintf(stderr, "lambdakit package: %s\n", r.error().message().c_str());
      exit_code = 1;
      return;
    }
    std::printf("%s\n", r->zip.c_str());
    if (!r->handler.empty() && r->handler != "bootstrap")
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
