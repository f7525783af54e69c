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
// `lambdakit package BINARY --runtime R --output ZIP`: the checked deployment zip.
void add_package(CLI::App& app, int& exit_code);

}  // namespace lambdakit::cli
