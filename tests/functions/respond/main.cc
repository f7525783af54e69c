// respond: answers with whatever response the event asks for, to test how each path carries
// responses, including ones a handler should never send. The event is a JSON string:
//   "json:<text>"   response::json(<text>) with every ' turned into "  ("json:{'a':1" is invalid)
//   "text:<text>"   response::text(<text>)
//   "bytes:<text>"  response::bytes(<text>)
//   "error:<type>"  a function_error of that type, message "asked for"
// (the string must hold no " or \, which keeps this parser trivial).
#include <lambdakit/lambdakit.h>

#include <algorithm>
#include <stdexcept>
#include <string>

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) -> lambdakit::outcome {
    const std::string& p = inv.payload;
    if (p.size() < 2 || p.front() != '"' || p.back() != '"')
      throw std::invalid_argument("respond wants a JSON string event, e.g. \"json:{'a':1}\"");
    std::string s = p.substr(1, p.size() - 2);
    auto colon = s.find(':');
    std::string kind = s.substr(0, colon);
    std::string text = colon == std::string::npos ? "" : s.substr(colon + 1);
    if (kind == "json") {
      std::replace(text.begin(), text.end(), '\'', '"');
      return lambdakit::response::json(text);
    }
    if (kind == "text") return lambdakit::response::text(text);
    if (kind == "bytes") return lambdakit::response::bytes(text);
    if (kind == "error")
      return lambdakit::function_error{text, "asked for", {"frame 1", "frame 2"}};
    throw std::invalid_argument("unknown kind " + kind);
  });
}
