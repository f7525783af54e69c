// hello: the smallest lambdakit function. Answers every event with {"message":"Hello World"}.
#include <lambdakit/lambdakit.h>

int main() {
  return lambdakit::run([](const lambdakit::invocation&) {
    return lambdakit::response::json(R"({"message":"Hello World"})");
  });
}
