// probe: a test function that does what its event asks, to test how a host and a transport
// cope with every way a function behaves and misbehaves. The event is a JSON string "<cmd>" or
// "<cmd>:<arg>" (no " or \ inside), except for echo, which takes any event:
//   count        {"count": invokes served by this process, "pid": its pid}
//   context      {"request_id", "remaining_ms", "function_arn", "trace_id", "env_trace_id"}
//   env:NAME     {"value": getenv(NAME) or null}
//   error:TYPE   a function_error of that type, message "asked for", two stack frames
//   throw        a std::runtime_error, message "thrown"
//   crash        abort() in the middle of the invoke
//   exit:CODE    _exit(CODE) in the middle of the invoke
//   sleep:MS     sleeps MS milliseconds, then {"slept": MS}
//   noise:N      prints N lines to stdout (printf, write(2), bytes that look like frames) and
//                to stderr, then {"noise": N}
//   text:T       response::text(T)
//   bigerror     a function_error whose message is 9,000,000 bytes (over the stdio frame limit)
// Any other event (an object, a long string) is echoed back as JSON.
#include <lambdakit/lambdakit.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/json_text.h"

using test_functions::env_or_null;
using test_functions::quoted;

int main() {
  long served = 0;
  return lambdakit::run([&](const lambdakit::invocation& inv) -> lambdakit::outcome {
    ++served;
    const std::string& p = inv.payload;
    bool command = p.size() >= 2 && p.size() < 4096 && p.front() == '"' && p.back() == '"' &&
                   p.find('\\') == std::string::npos;
    if (!command) return lambdakit::response::json(p);
    std::string s = p.substr(1, p.size() - 2);
    auto colon = s.find(':');
    std::string cmd = s.substr(0, colon);
    std::string arg = colon == std::string::npos ? "" : s.substr(colon + 1);
    if (cmd == "count") {
      return lambdakit::response::json("{\"count\":" + std::to_string(served) +
                                       ",\"pid\":" + std::to_string(::getpid()) + "}");
    }
    if (cmd == "context") {
      return lambdakit::response::json(
          "{\"request_id\":" + quoted(inv.request_id) +
          ",\"remaining_ms\":" + std::to_string(inv.remaining_time().count()) +
          ",\"function_arn\":" + quoted(inv.function_arn) + ",\"trace_id\":" +
          quoted(inv.xray_trace_id) + ",\"env_trace_id\":" + env_or_null("_X_AMZN_TRACE_ID") +
          ",\"client_context\":" + quoted(inv.client_context) + "}");
    }
    if (cmd == "env")
      return lambdakit::response::json("{\"value\":" + env_or_null(arg.c_str()) + "}");
    if (cmd == "error") return lambdakit::function_error{arg, "asked for", {"frame 1", "frame 2"}};
    if (cmd == "throw") throw std::runtime_error("thrown");
    if (cmd == "crash") std::abort();
    if (cmd == "exit") ::_exit(std::atoi(arg.c_str()));
    if (cmd == "sleep") {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(arg.c_str())));
      return lambdakit::response::json("{\"slept\":" + arg + "}");
    }
    if (cmd == "noise") {
      int n = std::atoi(arg.c_str());
      for (int i = 0; i < n; ++i) {
        std::printf("noise %d: LK\x02 not a frame {\"fake\":true}\n", i);
        std::fprintf(stderr, "noise on stderr %d\n", i);
      }
      static const char raw[] = "LK\x03\x00\x00\x00\x00\x05 raw bytes on fd 1\n";
      (void)!::write(1, raw, sizeof raw - 1);
      return lambdakit::response::json("{\"noise\":" + arg + "}");
    }
    if (cmd == "text") return lambdakit::response::text(arg);
    if (cmd == "bigerror") return lambdakit::function_error{"Big", std::string(9000000, 'm'), {}};
    return lambdakit::response::json(p);
  });
}
