// `lambdakit events [FUNCTION]`: the dead letters (or queued events, or destination records) of
// asynchronous invokes, read from the service's /lambdakit/v1/events endpoint.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "platform/http/client.h"

namespace lambdakit::cli {
namespace {

std::string cut(std::string s, std::size_t n) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

std::string query_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

int list_events(const std::string& endpoint, const std::string& function, const std::string& state,
                int limit, bool as_json) {
  auto ep = platform::http::parse_endpoint_url(endpoint);
  if (!ep) {
    std::cerr << "lambdakit events: \"" << endpoint << "\" is not an http://HOST:PORT endpoint\n";
    return 2;
  }
  platform::http::client c(ep->host, ep->port);
  auto answer =
      c.request("GET",
                "/lambdakit/v1/events?state=" + state + "&limit=" + std::to_string(limit) +
                    "&function=" + query_escape(function),
                "", {});
  if (!answer) {
    std::cerr << "lambdakit events: cannot reach " << endpoint << ": " << answer.error().detail
              << " (is `lambdakit serve` running?)\n";
    return 2;
  }
  if (answer->status != 200) {
    std::cerr << "lambdakit events: HTTP " << answer->status << ": " << answer->body << '\n';
    return 1;
  }
  if (as_json) {
    std::cout << answer->body << '\n';
    return 0;
  }
  auto doc = nlohmann::json::parse(answer->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    std::cerr << "lambdakit events: the service's answer is not JSON: " << cut(answer->body, 200)
              << '\n';
    return 1;
  }
  const char* what = state == "dead"     ? "dead letters"
                     : state == "queued" ? "queued events"
                                         : "destination records kept";
  const auto& items = doc.value(state == "records" ? "records" : "events", nlohmann::json::array());
  std::cout << items.size() << ' ' << what << (function.empty() ? "" : " of " + function)
            << (static_cast<int>(items.size()) == limit
                    ? " (the first " + std::to_string(limit) + "; --limit for more)"
                    : "")
            << '\n';
  for (const auto& e : items) {
    if (state == "records") {
      std::cout << "  " << e.value("created", "") << "  " << e.value("function", "") << "  "
                << e.value("condition", "") << " -> " << e.value("destination", "") << "\n    "
                << cut(e.value("why", ""), 110) << "\n    "
                << cut(e.contains("record") ? e["record"].dump() : "", 110) << '\n';
      continue;
    }
    std::cout << "  " << e.value("request_id", "") << "  " << e.value("function", "")
              << "  attempts " << e.value("attempts", 0);
    if (state == "dead") {
      std::cout << "  " << e.value("reason", "") << "  since " << e.value("dead_since", "");
    } else {
      std::cout << "  next " << e.value("next_attempt", "");
    }
    std::cout << "\n    accepted " << e.value("accepted", "");
    if (!e.value("last_error", "").empty())
      std::cout << "  last error: " << cut(e.value("last_error", ""), 80);
    std::cout << "\n    payload " << cut(e.contains("payload") ? e["payload"].dump() : "", 100)
              << '\n';
  }
  return 0;
}

}  // namespace

void add_events(CLI::App& app, int& exit_code) {
  auto function = std::make_shared<std::string>();
  auto endpoint = std::make_shared<std::string>("http://127.0.0.1:9001");
  auto queued = std::make_shared<bool>(false);
  auto records = std::make_shared<bool>(false);
  auto as_json = std::make_shared<bool>(false);
  auto limit = std::make_shared<int>(100);
  CLI::App* cmd = app.add_subcommand(
      "events",
      "Asynchronous invokes on the local service: dead letters (events that ran out of retries "
      "or age), --queued events, or --records kept for destinations it does not deliver to");
  cmd->add_option("function", *function, "Function name (default: every function)");
  auto* q = cmd->add_flag("--queued", *queued, "Events still queued (waiting or retrying)");
  cmd->add_flag("--records", *records,
                "Invocation records for SQS/SNS/EventBridge/S3 destinations and dead-letter "
                "queues, kept because the local service cannot deliver them")
      ->excludes(q);
  cmd->add_flag("--json", *as_json, "Print the service's JSON as it is");
  cmd->add_option("--limit", *limit, "At most this many")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--endpoint-url", *endpoint, "The Lambda API")->capture_default_str();
  cmd->callback([=, &exit_code] {
    exit_code = list_events(*endpoint, *function,
                            *queued    ? "queued"
                            : *records ? "records"
                                       : "dead",
                            *limit, *as_json);
  });
}

}  // namespace lambdakit::cli
