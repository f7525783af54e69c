// context: answers with what the function was told about the invoke besides the event, the
// same on every path (Runtime API, go1.x, the Python module, stdio):
//   {"request_id":"...","function_arn":"...","remaining_ms":2998,"trace_id":"...",
//    "client_context":{...} or null,"cognito_identity":{...} or null,"event":<the event>}
// client_context and cognito_identity are the JSON Lambda carried, passed through as is.
#include <lambdakit/lambdakit.h>

#include <string>
#include <string_view>

namespace {

std::string quoted(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_or_null(const std::string& s) {
  return s.empty() ? "null" : s;
}

}  // namespace

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) {
    std::string out = "{\"request_id\":" + quoted(inv.request_id);
    out += ",\"function_arn\":" + quoted(inv.function_arn);
    out += ",\"remaining_ms\":" + std::to_string(inv.remaining_time().count());
    out += ",\"trace_id\":" + quoted(inv.xray_trace_id);
    out += ",\"client_context\":" + json_or_null(inv.client_context);
    out += ",\"cognito_identity\":" + json_or_null(inv.cognito_identity);
    out += ",\"event\":" + json_or_null(inv.payload) + "}";
    return lambdakit::response::json(std::move(out));
  });
}
