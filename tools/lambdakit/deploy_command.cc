// `lambdakit deploy ZIP --function-name F`: create the function, or update its code, through the
// Lambda API (the local service by default), and print the aws CLI line that does the same on AWS.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "platform/http/client.h"
#include "wire/base64.h"

namespace lambdakit::cli {
namespace {

struct deploy_options {
  std::string zip, function, runtime = "provided.al2023", handler = "bootstrap";
  std::string role = "arn:aws:iam::000000000000:role/lambdakit-local";
  std::string arch = "x86_64";
  int memory = 128, timeout = 3;
  std::string endpoint = "http://127.0.0.1:9001";
};

std::string message_of(const platform::http::client_result& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string m = j.is_object() ? j.value("message", j.value("Message", r.body)) : r.body;
  return std::to_string(r.status) + " " + r.header("x-amzn-ErrorType") + ": " + m;
}

int deploy(const deploy_options& o) {
  std::ifstream in(o.zip, std::ios::binary);
  if (!in) {
    std::cerr << "lambdakit deploy: cannot read " << o.zip << ": " << std::strerror(errno)
              << " (make one with `lambdakit package`)\n";
    return 1;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto ep = platform::http::parse_endpoint_url(o.endpoint);
  if (!ep) {
    std::cerr << "lambdakit deploy: \"" << o.endpoint << "\" is not an http://HOST:PORT endpoint\n";
    return 2;
  }
  try {
    platform::http::client c(ep->host, ep->port);
    const std::vector<std::pair<std::string, std::string>> json = {
        {"Content-Type", "application/json"}};
    auto existing = c.request("GET", "/2015-03-31/functions/" + o.function);
    platform::http::client_result r;
    const char* done = nullptr;
    if (existing.status == 200) {
      nlohmann::json body = {{"ZipFile", wire::base64::encode(buf.str())}};
      r = c.request("PUT", "/2015-03-31/functions/" + o.function + "/code", body.dump(), json);
      done = "updated";
    } else if (existing.status == 404) {
      nlohmann::json body = {
          {"FunctionName", o.function}, {"Runtime", o.runtime},
          {"Handler", o.handler},       {"Role", o.role},
          {"MemorySize", o.memory},     {"Timeout", o.timeout},
          {"Architectures", {o.arch}},  {"Code", {{"ZipFile", wire::base64::encode(buf.str())}}}};
      r = c.request("POST", "/2015-03-31/functions", body.dump(), json);
      done = "created";
    } else {
      std::cerr << "lambdakit deploy: GetFunction answered " << message_of(existing) << '\n';
      return 1;
    }
    if (r.status != 200 && r.status != 201) {
      std::cerr << "lambdakit deploy: " << message_of(r) << '\n';
      return 1;
    }
    auto cfg = nlohmann::json::parse(r.body, nullptr, false);
    std::cout << o.function << " " << done << " at " << o.endpoint << " (CodeSha256 "
              << (cfg.is_object() ? cfg.value("CodeSha256", "?") : "?") << ")\n";
    std::cerr << "on AWS the same is:\n  aws lambda "
              << (existing.status == 200 ? "update-function-code" : "create-function")
              << " --function-name " << o.function << " --zip-file fileb://" << o.zip;
    if (existing.status != 200) {
      std::cerr << " \\\n      --runtime " << o.runtime << " --handler " << o.handler
                << " --architectures " << o.arch << " --memory-size " << o.memory << " --timeout "
                << o.timeout << " --role <your execution role ARN>";
    }
    std::cerr << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "lambdakit deploy: cannot reach " << o.endpoint << ": " << e.what()
              << " (is `lambdakit serve` running?)\n";
    return 2;
  }
}

}  // namespace

void add_deploy(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<deploy_options>();
  CLI::App* cmd =
      app.add_subcommand("deploy", "Create or update a function from a zip through the Lambda API");
  cmd->add_option("zip", o->zip, "The deployment zip (lambdakit package makes it)")->required();
  cmd->add_option("--function-name", o->function, "The function's name")->required();
  cmd->add_option("--runtime", o->runtime, "Runtime, when creating")->capture_default_str();
  cmd->add_option("--handler", o->handler, "Handler, when creating")->capture_default_str();
  cmd->add_option("--role", o->role, "Execution role ARN, when creating")->capture_default_str();
  cmd->add_option("--memory-size", o->memory, "MB, when creating")
      ->capture_default_str()
      ->check(CLI::Range(128, 10240));
  cmd->add_option("--timeout", o->timeout, "Seconds, when creating")
      ->capture_default_str()
      ->check(CLI::Range(1, 900));
  cmd->add_option("--arch", o->arch, "x86_64 or arm64, when creating")
      ->capture_default_str()
      ->check(CLI::IsMember({"x86_64", "arm64"}));
  cmd->add_option("--endpoint-url", o->endpoint, "The Lambda API (lambdakit serve)")
      ->capture_default_str();
  cmd->footer(
      "Deploys to the local service. For AWS itself it prints the equivalent `aws lambda` "
      "command,\n"
      "which signs requests with your AWS credentials (lambdakit does not sign requests yet).");
  cmd->callback([o, &exit_code] { exit_code = deploy(*o); });
}

}  // namespace lambdakit::cli
