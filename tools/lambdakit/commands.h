// The lambdakit CLI's subcommands. Each adds itself to the app and runs when chosen.
#pragma once

namespace CLI {
class App;
}

namespace lambdakit::cli {

// `lambdakit serve`: the local Lambda service.
void add_serve(CLI::App& app, int& exit_code);
// `lambdakit invoke NAME [PAYLOAD]`: one synchronous invoke against the service.
void add_invoke(CLI::App& app, int& exit_code);
// `lambdakit events [FUNCTION]`: dead letters, queued events or kept destination records.
void add_events(CLI::App& app, int& exit_code);
// `lambdakit build [--runtime R] [--arch A] [--strategy S]`: the project built for Lambda.
void add_build(CLI::App& app, int& exit_code);
// `lambdakit package BINARY --runtime R --output ZIP`: the checked deployment zip.
void add_package(CLI::App& app, int& exit_code);
// `lambdakit deploy ZIP --function-name F`: create or update through the Lambda API.
void add_deploy(CLI::App& app, int& exit_code);
// `lambdakit bench [--runs N] [--quick] [--functions F] [--out DIR]`: the cold/warm experiment.
void add_bench(CLI::App& app, int& exit_code);
// `lambdakit new NAME`: a project that builds, tests, packages and deploys as is.
void add_new(CLI::App& app, int& exit_code);

}  // namespace lambdakit::cli
