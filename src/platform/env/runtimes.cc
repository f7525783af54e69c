#include "platform/env/runtimes.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "base/child.h"
#include "base/error_category.h"
#include "base/path_lookup.h"
#include "platform/env/bootstraps.h"

namespace lambdakit::platform::env {
namespace fs = std::filesystem;
namespace {

const char* describe(runtime_errc e) noexcept {
  switch (e) {
    case runtime_errc::invalid_entrypoint:
      return "Runtime.InvalidEntrypoint";
    case runtime_errc::unsupported_runtime:
      return "Runtime.Unsupported";
  }
  return "unknown";
}

// The families whose runtimes the service starts: all of them.
bool served(runtimes::family) {
  return true;
}

// The registry row of a function's runtime; an empty Runtime is the default (provided.al2023).
const runtimes::runtime_info* row_of(const std::string& runtime) {
  return runtime.empty() ? &runtimes::default_runtime() : runtimes::find(runtime);
}

std::string names_of(runtimes::family f) {
  return runtimes::names_where([f](const runtimes::runtime_info& r) { return r.kind == f; });
}

std::string find_on_path(const std::string& program) {
  return base::find_program(program).string();
}

// Whether `argv` runs and exits 0 (its output discarded).
bool succeeds(std::vector<std::string> argv) {
  base::child_spec spec;
  spec.argv = std::move(argv);
  spec.out = spec.err = base::child_io::null;
  auto r = base::run_child(std::move(spec), false);
  return r && r->exit_code == 0;
}

// The first line `argv` prints, or empty.
std::string first_line_of(std::vector<std::string> argv) {
  base::child_spec spec;
  spec.argv = std::move(argv);
  spec.err = base::child_io::null;
  auto r = base::run_child(std::move(spec), true);
  if (!r || r->exit_code != 0) return {};
  std::string out = r->out.substr(0, r->out.find('\n'));
  while (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

}  // namespace

std::error_code make_error_code(runtime_errc e) noexcept {
  static const base::enum_category<runtime_errc> category("lambdakit.runtime_host", describe);
  return category.make(e);
}

bool known_runtime(const std::string& r) {
  const auto* row = row_of(r);
  return row != nullptr && served(row->kind);
}

std::string unknown_runtime_message(const std::string& r) {
  const auto* row = row_of(r);
  std::string served_names =
      runtimes::names_where([](const runtimes::runtime_info& i) { return served(i.kind); });
  if (row != nullptr) {
    return "The runtime parameter of " + r + " is not run by lambdakit serve yet (it runs " +
           served_names + ").";
  }
  return "The runtime parameter of " + r + " is not supported by lambdakit serve (" + served_names +
         " are).";
}

std::string runtimes_help() {
  using runtimes::family;
  return "Runtimes: " + names_of(family::custom) + " run the zip's `bootstrap`;\n" +
         names_of(family::python) + " run on this machine's python3 with awslambdaric;\n" +
         names_of(family::nodejs) +
         " run on this machine's node with aws-lambda-ric\n(the name's version is not "
         "enforced: this machine's interpreter runs them all);\n" +
         names_of(family::go1x) +
         " runs the executable its Handler names, over net/rpc on _LAMBDA_SERVER_PORT.";
}

std::string runtime_hosts::describe() const {
  std::string s = "python3.x: ";
  s += python.empty()
           ? "no python3 on PATH"
           : python + (python_ric ? " with awslambdaric" : " with lambdakit's bootstrap");
  s += "; nodejs*: ";
  s += node.empty()
           ? "no node on PATH"
           : node + (node_ric.empty() ? " with lambdakit's bootstrap" : " with aws-lambda-ric");
  if (!arm64_emulator.empty()) s += "; arm64: " + arm64_emulator + " -L " + arm64_sysroot;
  return s;
}

runtime_hosts discover_runtime_hosts(const fs::path& state_dir, bool builtin_only) {
  runtime_hosts h;
  h.python = find_on_path("python3");
  if (!h.python.empty()) {
    h.python_ric = succeeds({h.python, "-c", "import awslambdaric"});
  }
  h.node = find_on_path("node");
  utsname u{};
  ::uname(&u);
  if (std::string(u.machine) != "aarch64") {
    h.arm64_emulator = find_on_path("qemu-aarch64-static");
    if (h.arm64_emulator.empty()) h.arm64_emulator = find_on_path("qemu-aarch64");
    std::error_code ec;
    if (fs::is_directory("/usr/aarch64-linux-gnu/lib", ec))
      h.arm64_sysroot = "/usr/aarch64-linux-gnu";
    if (h.arm64_sysroot.empty()) h.arm64_emulator.clear();
  }
  std::string ric_dir;
  if (const char* env = std::getenv("LAMBDAKIT_AWS_LAMBDA_RIC"); env != nullptr && *env != '\0') {
    ric_dir = env;
  } else if (std::string npm = find_on_path("npm"); !h.node.empty() && !npm.empty()) {
    std::string root = first_line_of({npm, "root", "-g"});
    if (!root.empty()) ric_dir = root + "/aws-lambda-ric";
  }
  if (!ric_dir.empty() && fs::exists(fs::path(ric_dir) / "bin/index.mjs"))
    h.node_ric = ric_dir + "/bin/index.mjs";
  if (builtin_only) {
    h.python_ric = false;
    h.node_ric.clear();
  }
  h.builtin = state_dir / "runtimes";
  std::error_code ec;
  fs::create_directories(h.builtin / "node_modules", ec);  // a mount point in a sandbox
  std::ofstream(h.builtin / "python_bootstrap.py") << python_bootstrap_source;
  std::ofstream(h.builtin / "node_bootstrap.mjs") << node_bootstrap_source;
  return h;
}

result<launch> runtime_command(const function_config& fn, const fs::path& task_root,
                               const fs::path& visible_root, const fs::path& visible_builtin,
                               const runtime_hosts& hosts) {
  const std::string& r = fn.runtime;
  const runtimes::runtime_info* row = row_of(r);
  if (row == nullptr || !served(row->kind)) {
    return make_failure(runtime_errc::unsupported_runtime,
                        "runtime " + r + " is not supported by lambdakit serve");
  }
  launch l;
  if (row->kind == runtimes::family::custom) {
    auto bootstrap = task_root / "bootstrap";
    std::error_code ec;
    if (!fs::is_regular_file(bootstrap, ec) || ::access(bootstrap.c_str(), X_OK) != 0) {
      return make_failure(runtime_errc::invalid_entrypoint,
                          "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
    }
    l.argv = {(visible_root / "bootstrap").string()};
    bool arm64 = !fn.architectures.empty() && fn.architectures.front() == "arm64";
    utsname u{};
    ::uname(&u);
    if (arm64 && std::string(u.machine) != "aarch64") {
      if (hosts.arm64_emulator.empty()) {
        return make_failure(runtime_errc::unsupported_runtime,
                            "an arm64 function on this " + std::string(u.machine) +
                                " machine needs qemu-user and the aarch64 libraries (Debian: "
                                "apt-get install qemu-user-static libc6-arm64-cross)");
      }
      l.argv.insert(l.argv.begin(), {hosts.arm64_emulator, "-L", hosts.arm64_sysroot});
    }
    return l;
  }
  if (row->kind == runtimes::family::go1x) {
    // go1.x runs the executable the Handler names, in the task root (Lambda: /var/task).
    fs::path handler(fn.handler);
    bool plain =
        !fn.handler.empty() && handler.is_relative() &&
        std::none_of(handler.begin(), handler.end(), [](const fs::path& p) { return p == ".."; });
    auto exe = task_root / handler;
    std::error_code ec;
    if (!plain) {
      return make_failure(runtime_errc::invalid_entrypoint,
                          "the go1.x Handler \"" + fn.handler +
                              "\" must name an executable inside the zip, e.g. \"hello\"");
    }
    if (!fs::is_regular_file(exe, ec) || ::access(exe.c_str(), X_OK) != 0) {
      return make_failure(
          runtime_errc::invalid_entrypoint,
          "fork/exec " + (visible_root / handler).string() + ": " +
              (fs::exists(exe, ec) ? "permission denied" : "no such file or directory"));
    }
    l.argv = {(visible_root / handler).string()};
    l.channel = channel_kind::go1x;
    return l;
  }
  if (row->kind == runtimes::family::python) {
    if (hosts.python.empty()) {
      return make_failure(runtime_errc::unsupported_runtime,
                          r + " needs python3 on the service's PATH");
    }
    l.argv = hosts.python_ric
                 ? std::vector<std::string>{hosts.python, "-m", "awslambdaric", fn.handler}
                 : std::vector<std::string>{hosts.python,
                                            (visible_builtin / "python_bootstrap.py").string()};
    l.env = {{"PYTHONPATH", visible_root.string()}, {"PYTHONUNBUFFERED", "1"}};
    return l;
  }
  if (row->kind == runtimes::family::nodejs) {
    if (hosts.node.empty()) {
      return make_failure(runtime_errc::unsupported_runtime,
                          r + " needs node on the service's PATH");
    }
    l.argv = hosts.node_ric.empty()
                 ? std::vector<std::string>{hosts.node,
                                            (visible_builtin / "node_bootstrap.mjs").string()}
                 : std::vector<std::string>{hosts.node, hosts.node_ric, fn.handler};
    l.env = {{"NODE_PATH", visible_root.string()}};
    return l;
  }
  return make_failure(runtime_errc::unsupported_runtime,
                      "runtime " + r + " is not supported by lambdakit serve");
}

}  // namespace lambdakit::platform::env
