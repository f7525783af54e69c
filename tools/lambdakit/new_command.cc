// `lambdakit new NAME`: a project folder that builds, tests, packages and deploys as it is.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "commands.h"

namespace lambdakit::cli {
namespace fs = std::filesystem;
namespace {

// @NAME@ becomes the project name.
std::string fill(std::string text, const std::string& name) {
  for (auto at = text.find("@NAME@"); at != std::string::npos;
       at = text.find("@NAME@", at + name.size())) {
    text.replace(at, 6, name);
  }
  return text;
}

constexpr const char* cmakelists = R"(cmake_minimum_required(VERSION 3.25)
project(@NAME@ LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)

# lambdakit::lambdakit and lambdakit_add_function(); point CMAKE_PREFIX_PATH at lambdakit's install.
find_package(lambdakit 0.1 REQUIRED)

# The handler is a library so that tests call it directly, without Lambda.
add_library(@NAME@_handler STATIC src/handler.cc)
target_include_directories(@NAME@_handler PUBLIC src)
target_link_libraries(@NAME@_handler PUBLIC lambdakit::lambdakit)

# The function: build/@NAME@ (the bootstrap) and build/@NAME@.zip (ready for Lambda).
lambdakit_add_function(@NAME@ SOURCES src/main.cc RUNTIME provided.al2023)
target_link_libraries(@NAME@ PRIVATE @NAME@_handler)

enable_testing()
add_executable(@NAME@_test test/handler_test.cc)
target_link_libraries(@NAME@_test PRIVATE @NAME@_handler)
add_test(NAME @NAME@_test COMMAND @NAME@_test)
)";

constexpr const char* handler_h =
    R"(// @NAME@'s handler: one event in, one response (or function error) out.
#pragma once

#include <lambdakit/lambdakit.h>

lambdakit::outcome handle(const lambdakit::invocation& inv);
)";

constexpr const char* handler_cc = R"(#include "handler.h"

#include <string>

lambdakit::outcome handle(const lambdakit::invocation& inv) {
  if (inv.payload.empty()) {
    return lambdakit::function_error{"InvalidInput", "send a JSON event, even {}", {}};
  }
  return lambdakit::response::json(R"json({"message":"Hello from @NAME@","event_bytes":)json" +
                                   std::to_string(inv.payload.size()) + "}");
}
)";

constexpr const char* main_cc =
    R"(// The whole main: lambdakit::run serves events until Lambda ends the environment.
#include "handler.h"

int main() { return lambdakit::run(handle); }
)";

constexpr const char* test_cc =
    R"(// Tests call the handler directly. Prints "N passed, M failed" and fails when any failed.
#include <cstdio>
#include <string>

#include "handler.h"

static int passed = 0, failed = 0;

static void check(bool ok, const char* what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAILED: %s\n", what);
  }
}

int main() {
  lambdakit::invocation inv;
  inv.payload = "{}";
  lambdakit::outcome ok = handle(inv);
  check(ok.is_success(), "{} is answered");
  check(ok.is_success() && ok.get_response().body() == R"json({"message":"Hello from @NAME@","event_bytes":2})json",
        "the answer names the function and counts the bytes");
  inv.payload.clear();
  lambdakit::outcome bad = handle(inv);
  check(!bad.is_success() && bad.get_error().type == "InvalidInput", "an empty event is a function error");
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
)";

constexpr const char* readme = R"(# @NAME@

A C++ AWS Lambda function made with `lambdakit new`.

For Lambda (Amazon Linux's glibc, whatever this machine runs):

```sh
lambdakit build              # prints: @NAME@ <binary> build/lambda/provided.al2023-x86_64-zig/@NAME@.zip
lambdakit serve &            # a local Lambda at http://127.0.0.1:9001
lambdakit deploy build/lambda/provided.al2023-x86_64-zig/@NAME@.zip --function-name @NAME@
lambdakit invoke @NAME@ '{"hello":"world"}'
```

`lambdakit build --runtime provided.al2 --arch arm64 --strategy zig|bundle|static` picks the
target and the toolchain (zig, from `pip install ziglang`, is the default when present).

For development, as any CMake project (links fully static, runs here and on Lambda):

```sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=<lambdakit prefix>
cmake --build build          # build/@NAME@ and build/@NAME@.zip (checked for provided.al2023)
ctest --test-dir build       # the handler's tests
```

On AWS: `aws lambda create-function --function-name @NAME@ --runtime provided.al2023
--handler bootstrap --zip-file fileb://build/@NAME@.zip --role <execution role ARN>`.
)";

int create(const std::string& name, const fs::path& where) {
  static const std::regex valid("^[A-Za-z][A-Za-z0-9_-]{0,63}$");
  if (!std::regex_match(name, valid)) {
    std::cerr << "lambdakit new: \"" << name
              << "\" is not a usable name: start with a letter, then letters, digits, '-' or '_' "
                 "(at most 64)\n";
    return 2;
  }
  fs::path dir = where / name;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    std::cerr << "lambdakit new: " << dir.string()
              << " already exists: choose another name or folder\n";
    return 1;
  }
  const std::pair<const char*, const char*> files[] = {
      {"CMakeLists.txt", cmakelists},    {"src/handler.h", handler_h},
      {"src/handler.cc", handler_cc},    {"src/main.cc", main_cc},
      {"test/handler_test.cc", test_cc}, {"README.md", readme}};
  for (const auto& [rel, text] : files) {
    fs::path p = dir / rel;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p);
    if (!(out << fill(text, name))) {
      std::cerr << "lambdakit new: cannot write " << p.string() << ": " << ec.message() << '\n';
      fs::remove_all(dir, ec);
      return 1;
    }
  }
  // Where find_package(lambdakit) will find this installation, when this CLI is an installed one.
  fs::path prefix = fs::canonical("/proc/self/exe", ec).parent_path().parent_path();
  bool installed = fs::exists(prefix / "lib/cmake/lambdakit/lambdakitConfig.cmake", ec);
  std::cout << dir.string() << '\n';
  std::cerr << "next:\n  cd " << dir.string()
            << "\n  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="
            << (installed
                    ? prefix.string()
                    : std::string("<lambdakit prefix: cmake --install build/release --prefix DIR>"))
            << "\n  cmake --build build && ctest --test-dir build\n"
            << "then, for Lambda's glibc: lambdakit build   (see README.md)\n";
  return 0;
}

}  // namespace

void add_new(CLI::App& app, int& exit_code) {
  auto name = std::make_shared<std::string>();
  auto where = std::make_shared<std::string>(".");
  CLI::App* cmd = app.add_subcommand(
      "new", "Create a function project that builds, tests, packages and deploys as is");
  cmd->add_option("name", *name, "The function's name (also the folder's)")->required();
  cmd->add_option("--dir", *where, "Where to create the folder")->capture_default_str();
  cmd->callback([name, where, &exit_code] { exit_code = create(*name, *where); });
}

}  // namespace lambdakit::cli
