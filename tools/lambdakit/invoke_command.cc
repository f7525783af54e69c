// `lambdakit invoke`: one RequestResponse invoke through the Invoke API, for quick use.
#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>

#include "commands.h"
#include "wire/base64.h"

namespace lambdakit::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

int invoke(const std::string& endpoint, const std::string& name, const std::string& payload,
           bool tail) {
  std::string rest = endpoint;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve(host, port));
    bhttp::request<bhttp::string_body> req{bhttp::verb::post,
                                           "/2015-03-31/functions/" + name + "/invocations", 11};
    req.set(bhttp::field::host, rest);
    req.set(bhttp::field::content_type, "application/json");
    if (tail) req.set("X-Amz-Log-Type", "Tail");
    req.body() = payload;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(stream, buffer, parser);
    auto res = parser.release();
    if (tail) {
      auto log = wire::base64::decode(std::string(res["X-Amz-Log-Result"]));
      if (log) std::cerr << *log;
    }
    std::cout << res.body() << '\n';
    if (res.result_int() != 200) {
      std::cerr << "lambdakit invoke: HTTP " << res.result_int() << " " << res["x-amzn-ErrorType"]
                << '\n';
      return 1;
    }
    if (!res["X-Amz-Function-Error"].empty()) {
      std::cerr << "lambdakit invoke: function error (" << res["X-Amz-Function-Error"] << ")\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "lambdakit invoke: cannot reach " << endpoint << ": " << e.what()
              << " (is `lambdakit serve` running?)\n";
    return 2;
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
