// The runtime registry: every Lambda runtime lambdakit knows, in one table (registry.cc). The
// service (CreateFunction validation, how it starts a runtime), `package`, `build`, `deploy`
// and the CLI's help read it instead of spelling runtime names themselves. Adding a runtime
// is one row; a runtime that speaks a new protocol also needs one transport (runtime/) and
// one runtime channel (platform/env/).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lambdakit::runtimes {

// How the function's code meets Lambda, and so how the service starts it.
enum class family {
  custom,  // provided*: the zip's `bootstrap` is the runtime (the Runtime API)
  go1x,    // go1.x: the executable named by the handler answers net/rpc on _LAMBDA_SERVER_PORT
  python,  // python3.x: Lambda's Python runtime imports the handler's module
  nodejs,  // nodejs*: Lambda's Node.js runtime imports the handler's module
};

// Where AWS stands with a runtime (AWS Lambda Developer Guide, "Lambda runtimes" and its
// deprecation policy). Invokes are never blocked.
enum class aws_status {
  supported,       // create and update work
  deprecated,      // past its deprecation date: the console refuses; CLI and SDKs still work
  create_blocked,  // AWS refuses CreateFunction (updates of existing functions still work)
  update_blocked,  // AWS refuses CreateFunction and UpdateFunctionCode/Configuration
};

// The operating system image a runtime runs on, and what it offers a native binary.
struct os_image {
  std::string_view name;     // "Amazon Linux 2023"
  std::string_view glibc;    // newest GLIBC_ symbol version of its libc: "GLIBC_2.34"
  std::string_view glibcxx;  // newest GLIBCXX_ version of its libstdc++
  std::string_view cxxabi;   // newest CXXABI_ version
};

// Field order follows the table in registry.cc (a few bytes of padding in 14 rows).
struct runtime_info {     // NOLINT(clang-analyzer-optin.performance.Padding)
  std::string_view name;  // the Runtime parameter: "provided.al2023"
  family kind;
  const os_image* os;
  bool x86_64 = true;
  bool arm64 = true;
  // What Handler means, for messages and help: "ignored: the zip's bootstrap runs".
  std::string_view handler_rule;
  aws_status status = aws_status::supported;
  // AWS's published dates (YYYY-MM-DD), empty where none is published.
  std::string_view deprecated_on, create_blocked_on, update_blocked_on;

  bool supports(std::string_view lambda_arch) const {
    return (lambda_arch == "x86_64" && x86_64) || (lambda_arch == "arm64" && arm64);
  }
  // True when `lambdakit package`/`build` make its zips (a native binary at the zip's root).
  bool packages_native_binary() const { return kind == family::custom || kind == family::go1x; }
  // True when they make its zips from a CPython extension module (the module at the zip's root).
  bool packages_python_module() const { return kind == family::python; }
  // True when they make its zips from a native binary run behind lambdakit's Node.js stdio
  // host (the binary as `function`, beside index.mjs and host.mjs).
  bool packages_stdio_host() const { return kind == family::nodejs; }
  bool packaged() const {
    return packages_native_binary() || packages_python_module() || packages_stdio_host();
  }
  // The binary's name in the zip: the Handler (go1.x), or `bootstrap` (custom runtimes).
  bool binary_named_by_handler() const { return kind == family::go1x; }
};

// Every runtime, newest first within each family.
std::span<const runtime_info> all();

// The row for `name`, or null. An empty name is not a runtime (see default_runtime()).
const runtime_info* find(std::string_view name);

// What CreateFunction without Runtime means for a zip with a bootstrap: provided.al2023.
const runtime_info& default_runtime();

// The names of the rows that satisfy `pred`, joined as "a, b and c" for messages and help.
template <class Pred>
std::string names_where(Pred pred);

std::string_view name(family f);
std::string_view name(aws_status s);

// Why AWS would refuse to create a function with `r`, or empty when it would not. The text
// follows AWS's own InvalidParameterValueException.
std::string aws_create_refusal(const runtime_info& r);

template <class Pred>
std::string names_where(Pred pred) {
  std::vector<std::string_view> names;
  for (const auto& r : all()) {
    if (pred(r)) names.push_back(r.name);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace lambdakit::runtimes
