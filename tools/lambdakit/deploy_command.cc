// `lambdakit deploy ZIP --function-name F`: create the function, or update its code, through the
// Lambda API (the local service by default), and print the aws CLI line that does the same on AWS.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "commands.h"
#include "platform/http/client.h"
#include "runtimes/registry.h"
#include "wire/base64.h"

namespace lambdakit::cli {
namespace {

constexpr const char* placeholder_role = "arn:aws:iam::000000000000:role/lambdakit-local";

struct deploy_options {
  std::string zip, function, runtime = "provided.al2023", handler = "bootstrap";
  std::string role;
  std::string arch = "x86_64";
  int memory = 128, timeout = 3;
  std::string endpoint;  // empty: $AWS_ENDPOINT_URL_LAMBDA, $AWS_ENDPOINT_URL, else AWS itself
  std::string region;
};

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string message_of(const platform::http::client_result& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string m = j.is_object() ? j.value("message", j.value("Message", r.body)) : r.body;
  return std::to_string(r.status) + " " + r.header("x-amzn-ErrorType") + ": " + m;
}

int deploy(deploy_options o) {
  std::ifstream in(o.zip, std::ios::binary);
  if (!in) {
    std::cerr << "lambdakit deploy: cannot read " << o.zip << ": " << std::strerror(errno)
              << " (make one with `lambdakit package`)\n";
    return 1;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  if (o.endpoint.empty()) o.endpoint = env_or_empty("AWS_ENDPOINT_URL_LAMBDA");
  if (o.endpoint.empty()) o.endpoint = env_or_empty("AWS_ENDPOINT_URL");
  if (o.region.empty()) o.region = aws::find_region();
  bool to_aws = o.endpoint.empty();
  auto creds = aws::find_credentials();
  if (to_aws) {
    if (o.region.empty()) {
      std::cerr << "lambdakit deploy: no AWS region: pass --region, set AWS_REGION, or put "
                   "region in ~/.aws/config (for the local service: --endpoint-url "
                   "http://127.0.0.1:9001)\n";
      return 2;
    }
    if (!creds) {
      std::cerr << "lambdakit deploy: no AWS credentials: set AWS_ACCESS_KEY_ID and "
                   "AWS_SECRET_ACCESS_KEY, or run `aws configure` (for the local service: "
                   "--endpoint-url http://127.0.0.1:9001)\n";
      return 2;
    }
    o.endpoint = "https://lambda." + o.region + ".amazonaws.com";
  }
  if (o.region.empty()) o.region = "us-east-1";
  auto ep = platform::http::parse_endpoint_url(o.endpoint);
  if (!ep) {
    std::cerr << "lambdakit deploy: \"" << o.endpoint
              << "\" is not an http(s)://HOST[:PORT] endpoint\n";
    return 2;
  }
  auto unreachable = [&](const failure& f) {
    std::cerr << "lambdakit deploy: cannot reach " << o.endpoint << ": " << f.detail
              << (to_aws ? " (check the network and the region)"
                         : " (is `lambdakit serve` running?)")
              << '\n';
    return 2;
  };
  {
    platform::http::client c(*ep);
    // Signed whenever there are credentials: AWS needs it, the local service ignores it.
    auto send = [&](const std::string& method, const std::string& path, const std::string& body) {
      std::vector<std::pair<std::string, std::string>> headers;
      if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
      if (creds) {
        aws::signing_request sr{method, c.host_header(), path, "", headers, body};
        for (auto& h : aws::sign(sr, creds->keys, o.region, "lambda", aws::amz_date_now())) {
          headers.push_back(std::move(h));
        }
      }
      return c.request(method, path, body, headers);
    };
    const std::string function_path = "/2015-03-31/functions/" + aws::uri_encode(o.function, false);
    auto got = send("GET", function_path, "");
    if (!got) return unreachable(got.error());
    const platform::http::client_result& existing = *got;
    platform::http::client_result r;
    const char* done = nullptr;
    if (existing.status == 200) {
      nlohmann::json body = {{"ZipFile", wire::base64::encode(buf.str())}};
      auto put = send("PUT", function_path + "/code", body.dump());
      if (!put) return unreachable(put.error());
      r = std::move(put).value();
      done = "updated";
    } else if (existing.status == 404) {
      // AWS refuses to create functions on runtimes it has retired; say so before it does.
      if (const auto* row = runtimes::find(o.runtime); to_aws && row != nullptr) {
        if (auto why = runtimes::aws_create_refusal(*row); !why.empty()) {
          std::cerr << "lambdakit deploy: " << why
                    << " (lambdakit serve still runs it: --endpoint-url http://127.0.0.1:9001)\n";
          return 2;
        }
      }
      if (const auto* row = runtimes::find(o.runtime);
          row != nullptr && row->binary_named_by_handler() && o.handler == "bootstrap") {
        std::cerr << "lambdakit deploy: a " << o.runtime
                  << " function needs --handler NAME, the executable's name in the zip (`lambdakit "
                     "package --runtime go1.x` prints it)\n";
        return 2;
      }
      if (const auto* row = runtimes::find(o.runtime);
          row != nullptr && row->packages_stdio_host() && o.handler == "bootstrap") {
        o.handler = "index.handler";  // lambdakit's Node.js host (`lambdakit package` made it)
      }
      if (const auto* row = runtimes::find(o.runtime);
          row != nullptr && row->packages_python_module() && o.handler == "bootstrap") {
        std::cerr << "lambdakit deploy: a " << o.runtime
                  << " function needs --handler MODULE.handler, the module's name in the zip "
                     "and its handler (`lambdakit package` prints it, e.g. hello.handler)\n";
        return 2;
      }
      if (o.role.empty()) {
        if (to_aws) {
          std::cerr << "lambdakit deploy: creating " << o.function
                    << " on AWS needs --role <execution role ARN> (a role Lambda can assume, "
                       "with AWSLambdaBasicExecutionRole)\n";
          return 2;
        }
        o.role = placeholder_role;
      }
      nlohmann::json body = {
          {"FunctionName", o.function}, {"Runtime", o.runtime},
          {"Handler", o.handler},       {"Role", o.role},
          {"MemorySize", o.memory},     {"Timeout", o.timeout},
          {"Architectures", {o.arch}},  {"Code", {{"ZipFile", wire::base64::encode(buf.str())}}}};
      auto post = send("POST", "/2015-03-31/functions", body.dump());
      if (!post) return unreachable(post.error());
      r = std::move(post).value();
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
    std::cerr << "the same with the aws CLI:\n  aws lambda "
              << (existing.status == 200 ? "update-function-code" : "create-function")
              << " --function-name " << o.function << " --zip-file fileb://" << o.zip;
    if (existing.status != 200) {
      std::cerr << " \\\n      --runtime " << o.runtime << " --handler " << o.handler
                << " --architectures " << o.arch << " --memory-size " << o.memory << " --timeout "
                << o.timeout << " --role "
                << (o.role == placeholder_role ? "<your execution role ARN>" : o.role);
    }
    if (!to_aws) std::cerr << " \\\n      --endpoint-url " << o.endpoint;
    std::cerr << '\n';
    return 0;
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
  cmd->add_option("--role", o->role,
                  "Execution role ARN, when creating (required on AWS; a placeholder locally)");
  cmd->add_option("--memory-size", o->memory, "MB, when creating")
      ->capture_default_str()
      ->check(CLI::Range(128, 10240));
  cmd->add_option("--timeout", o->timeout, "Seconds, when creating")
      ->capture_default_str()
      ->check(CLI::Range(1, 900));
  cmd->add_option("--arch", o->arch, "x86_64 or arm64, when creating")
      ->capture_default_str()
      ->check(CLI::IsMember({"x86_64", "arm64"}));
  cmd->add_option("--endpoint-url", o->endpoint,
                  "The Lambda API: http://127.0.0.1:9001 for `lambdakit serve`; omitted: AWS");
  cmd->add_option("--region", o->region, "AWS region (default: AWS_REGION, ~/.aws/config)");
  cmd->footer(
      "Without --endpoint-url (or AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL) this deploys to AWS\n"
      "Lambda at https://lambda.REGION.amazonaws.com, signing each request (SigV4) with the "
      "credentials\nthe aws CLI would use: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/"
      "AWS_SESSION_TOKEN, or\n~/.aws/credentials for AWS_PROFILE. AWS_CA_BUNDLE names extra "
      "trusted certificates.");
  cmd->callback([o, &exit_code] { exit_code = deploy(*o); });
}

}  // namespace lambdakit::cli
