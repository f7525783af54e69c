// lambdakit: the command-line tool, a thin main over tested library code.
#include <lambdakit/version.h>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "lambdakit: C++ functions on AWS Lambda: run them locally, package them, measure them.",
      "lambdakit"};
  app.set_version_flag("--version", std::string("lambdakit ") + lambdakit::version);
  app.require_subcommand(1);
  app.footer(
      "A function is a program whose main is `return lambdakit::run(handler);`.\n"
      "Quick start:  lambdakit serve &   then   aws lambda create-function --endpoint-url "
      "http://127.0.0.1:9001 ...");
  int exit_code = 0;
  lambdakit::cli::add_serve(app, exit_code);
  lambdakit::cli::add_invoke(app, exit_code);
  lambdakit::cli::add_events(app, exit_code);
  lambdakit::cli::add_build(app, exit_code);
  lambdakit::cli::add_package(app, exit_code);
  lambdakit::cli::add_deploy(app, exit_code);
  lambdakit::cli::add_new(app, exit_code);
  lambdakit::cli::add_bench(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
