// `lambdakit invoke`: one RequestResponse invoke through the Invoke API, for quick use.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "platform/http/client.h"
#include "wire/base64.h"

namespace lambdakit::cli {
namespace {

int invoke(const std::string& endpoint, const std::string& name, const std::string& payload,
           bool tail) {
  auto ep = platform::http::parse_endpoint_url(endpoint);
  if (!ep) {
    std::cerr << "lambdakit invoke: \"" << endpoint << "\" is not an http://HOST:PORT endpoint\n";
    return 2;
  }
  {
    platform::http::client c(ep->host, ep->port);
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (tail) headers.emplace_back("X-Amz-Log-Type", "Tail");
    auto answer =
        c.request("POST", "/2015-03-31/functions/" + name + "/invocations", payload, headers);
    if (!answer) {
      std::cerr << "lambdakit invoke: cannot reach " << endpoint << ": " << answer.error().detail
                << " (is `lambdakit serve` running?)\n";
      return 2;
    }
    const auto& res = *answer;
    if (tail) {
      if (auto log = wire::base64::decode(res.header("X-Amz-Log-Result"))) std::cerr << *log;
    }
    std::cout << res.body << '\n';
    if (res.status != 200) {
      std::cerr << "lambdakit invoke: HTTP " << res.status << " " << res.header("x-amzn-ErrorType")
                << '\n';
      return 1;
    }
    if (!res.header("X-Amz-Function-Error").empty()) {
      std::cerr << "lambdakit invoke: function error (" << res.header("X-Amz-Function-Error")
                << ")\n";
      return 1;
    }
    return 0;
  }
}

}  // namespace

void add_invoke(CLI::App& app, int& exit_code) {
  auto name = std::make_shared<std::string>();
  auto payload = std::make_shared<std::string>("{}");
  auto endpoint = std::make_shared<std::string>("http://127.0.0.1:9001");
  auto tail = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("invoke", "Invoke a function on the local service and print its answer");
  cmd->add_option("name", *name, "Function name or ARN")->required();
  cmd->add_option("payload", *payload, "The event (JSON)")->capture_default_str();
  cmd->add_option("--endpoint-url", *endpoint, "The Lambda API")->capture_default_str();
  cmd->add_flag("--log", *tail, "Print the invoke's log (LogType Tail) on stderr");
  cmd->callback([=, &exit_code] { exit_code = invoke(*endpoint, *name, *payload, *tail); });
}

}  // namespace lambdakit::cli
