// A function outside the lambdakit tree: one include, one handler, one line of main.
#include <lambdakit/lambdakit.h>

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) {
    return lambdakit::response::json(R"({"greeting":"hello from a consumer","bytes":)" +
                                     std::to_string(inv.payload.size()) + "}");
  });
}
