// The table. Sources: AWS Lambda Developer Guide, "Lambda runtimes" (identifiers, OS,
// architectures, deprecation / block-create / block-update dates, as published in 2026) and
// "Amazon Linux 2023" (glibc 2.26 on AL2, 2.34 on AL2023); glibc 2.17 on Amazon Linux 2018.03
// per AWS engineers' statements in aws-lambda-base-images issues. libstdc++ levels: GCC's ABI
// policy table for the GCC each OS ships (AL1 GCC 4.8, AL2 GCC 7, AL2023 GCC 11).
#include "runtimes/registry.h"

namespace lambdakit::runtimes {
namespace {

constexpr os_image al2023{"Amazon Linux 2023", "GLIBC_2.34", "GLIBCXX_3.4.29", "CXXABI_1.3.13"};
constexpr os_image al2{"Amazon Linux 2", "GLIBC_2.26", "GLIBCXX_3.4.24", "CXXABI_1.3.11"};
constexpr os_image al1{"Amazon Linux 2018.03", "GLIBC_2.17", "GLIBCXX_3.4.19", "CXXABI_1.3.7"};

constexpr std::string_view bootstrap_rule = "ignored: the zip's bootstrap is the runtime";
constexpr std::string_view go_rule = "the name of the executable in the zip";
constexpr std::string_view python_rule =
    "module.function (module.py or a module at the zip's root)";
constexpr std::string_view node_rule = "file.export (file.js, .mjs or .cjs at the zip's root)";

using enum family;
using enum aws_status;

const runtime_info table[] = {
    // name, family, os, x86_64, arm64, handler, status, deprecated, create blocked, update blocked
    {"provided.al2023", custom, &al2023, true, true, bootstrap_rule, supported, "2029-06-30",
     "2029-07-31", "2029-08-31"},
    {"provided.al2", custom, &al2, true, true, bootstrap_rule, deprecated, "2026-07-31",
     "2027-02-01", "2027-03-03"},
    {"provided", custom, &al1, true, false, bootstrap_rule, create_blocked, "2024-01-08",
     "2024-02-08", "2027-03-03"},
    {"go1.x", go1x, &al1, true, false, go_rule, create_blocked, "2024-01-08", "2024-02-08",
     "2027-03-03"},
    {"python3.14", python, &al2023, true, true, python_rule, supported, "2029-06-30", "2029-07-31",
     "2029-08-31"},
    {"python3.13", python, &al2023, true, true, python_rule, supported, "2029-06-30", "2029-07-31",
     "2029-08-31"},
    {"python3.12", python, &al2023, true, true, python_rule, supported, "2028-10-31", "2028-11-30",
     "2029-01-10"},
    {"python3.11", python, &al2, true, true, python_rule, supported, "2027-06-30", "2027-07-31",
     "2027-08-31"},
    {"python3.10", python, &al2, true, true, python_rule, deprecated, "2026-10-31", "2027-02-01",
     "2027-03-03"},
    {"python3.9", python, &al2, true, true, python_rule, deprecated, "2025-12-15", "2027-02-01",
     "2027-03-03"},
    {"nodejs24.x", nodejs, &al2023, true, true, node_rule, supported, "2028-04-30", "2028-06-01",
     "2028-07-01"},
    {"nodejs22.x", nodejs, &al2023, true, true, node_rule, supported, "2027-04-30", "2027-06-01",
     "2027-07-01"},
    {"nodejs20.x", nodejs, &al2023, true, true, node_rule, deprecated, "2026-04-30", "2027-02-01",
     "2027-03-03"},
    {"nodejs18.x", nodejs, &al2, true, true, node_rule, deprecated, "2025-09-01", "2027-02-01",
     "2027-03-03"},
};

}  // namespace

std::span<const runtime_info> all() {
  return table;
}

const runtime_info* find(std::string_view name) {
  for (const auto& r : table) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const runtime_info& default_runtime() {
  return table[0];
}

std::string_view name(family f) {
  switch (f) {
    case custom:
      return "custom";
    case go1x:
      return "go1.x";
    case python:
      return "python";
    case nodejs:
      return "nodejs";
  }
  return "unknown";
}

std::string_view name(aws_status s) {
  switch (s) {
    case supported:
      return "supported";
    case deprecated:
      return "deprecated";
    case create_blocked:
      return "create blocked";
    case update_blocked:
      return "update blocked";
  }
  return "unknown";
}

std::string aws_create_refusal(const runtime_info& r) {
  if (r.status != create_blocked && r.status != update_blocked) return {};
  std::string s = "The runtime parameter of " + std::string(r.name) +
                  " is no longer supported for creating or updating AWS Lambda functions "
                  "(deprecated " +
                  std::string(r.deprecated_on) + ", creation blocked since " +
                  std::string(r.create_blocked_on) + ").";
  if (r.kind == go1x || r.kind == custom) {
    s += " The same source builds for provided.al2023: rebuild with `lambdakit build` "
         "(the binary becomes bootstrap) and deploy with --runtime provided.al2023.";
  }
  return s;
}

}  // namespace lambdakit::runtimes
