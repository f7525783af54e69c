#include "platform/env/runtimes.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

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

// "3.12.1" < "3.12.10": the dotted numbers, compared as numbers.
std::vector<int> dotted(const std::string& v) {
  std::vector<int> out{0};
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      out.back() = out.back() * 10 + (c - '0');
    } else if (c == '.') {
      out.push_back(0);
    } else {
      break;
    }
  }
  return out;
}
bool runtimes_version_less(const std::string& a, const std::string& b) {
  return dotted(a) < dotted(b);
}

// Where Python 3.X may be: pyenv's newest 3.X.* ($PYENV_ROOT, else ~/.pyenv), else python3.X
// on PATH (which may be a pyenv shim that refuses to run; ask_python finds that out).
std::string python_candidate(const std::string& version) {
  std::vector<fs::path> roots;
  if (const char* r = std::getenv("PYENV_ROOT"); r != nullptr && *r != '\0') roots.emplace_back(r);
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    roots.emplace_back(fs::path(home) / ".pyenv");
  for (const auto& root : roots) {
    std::error_code ec;
    fs::path best;
    for (const auto& e : fs::directory_iterator(root / "versions", ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind(version + ".", 0) != 0) continue;
      if (!fs::exists(e.path() / "bin" / ("python" + version), ec)) continue;
      if (best.empty() || runtimes_version_less(best.filename().string(), name)) best = e.path();
    }
    if (!best.empty()) return (best / "bin" / ("python" + version)).string();
  }
  return find_on_path("python" + version);
}

// Runs `python` once: its real path (sys.executable), its version (must be `version` unless
// that is empty) and whether awslambdaric imports. Nothing when it does not run.
std::optional<python_host> ask_python(const std::string& python, const std::string& version) {
  std::string line =
      first_line_of({python, "-c",
                     "import sys\ntry:\n import awslambdaric; r = 1\nexcept Exception: r = 0\n"
                     "print(f'{sys.version_info[0]}.{sys.version_info[1]} {r} {sys.executable}')"});
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return std::nullopt;
  if (!version.empty() && line.substr(0, sp1) != version) return std::nullopt;
  python_host host;
  host.ric = line.substr(sp1 + 1, sp2 - sp1 - 1) == "1";
  host.path = line.substr(sp2 + 1);
  if (host.path.empty() || host.path[0] != '/') host.path = python;
  return host;
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
  if (!pythons.empty()) {
    s += " (";
    bool first = true;
    for (const auto& [version, host] : pythons) {
      s += (first ? "" : ", ") + version + ": " + host.path +
           (host.ric ? "" : " without awslambdaric");
      first = false;
    }
    s += ")";
  }
  std::string missing = runtimes::names_where([&](const runtimes::runtime_info& r) {
    return r.kind == runtimes::family::python && !pythons.contains(std::string(r.name.substr(6)));
  });
  if (!missing.empty() && !python.empty())
    s += "; " + missing + " run on python3 (not installed here)";
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
  // Every interpreter is asked at once (each takes tens of milliseconds to start).
  std::vector<std::string> versions;
  for (const auto& r : runtimes::all()) {
    if (r.kind == runtimes::family::python) versions.emplace_back(r.name.substr(6));
  }
  std::vector<std::string> candidates(versions.size());
  for (std::size_t i = 0; i < versions.size(); ++i) candidates[i] = python_candidate(versions[i]);
  std::vector<std::optional<python_host>> found(versions.size());
  std::optional<python_host> default_python;
  {
    std::vector<std::jthread> askers;
    for (std::size_t i = 0; i < versions.size(); ++i) {
      if (!candidates[i].empty())
        askers.emplace_back([&, i] { found[i] = ask_python(candidates[i], versions[i]); });
    }
    if (!h.python.empty()) askers.emplace_back([&] { default_python = ask_python(h.python, ""); });
  }
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (found[i]) h.pythons[versions[i]] = *found[i];
  }
  if (default_python) {
    h.python = default_python->path;
    h.python_ric = default_python->ric;
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
  } else if (!h.node.empty()) {
    // npm's global folder is <prefix>/lib/node_modules beside <prefix>/bin/node: look there
    // first, and ask npm only when it is not (--logs-max=0: no log file under ~/.npm per start).
    std::error_code ec;
    fs::path prefix = fs::canonical(h.node, ec).parent_path().parent_path();
    if (!ec && fs::exists(prefix / "lib/node_modules/aws-lambda-ric/bin/index.mjs", ec)) {
      ric_dir = (prefix / "lib/node_modules/aws-lambda-ric").string();
    } else if (std::string npm = find_on_path("npm"); !npm.empty()) {
      std::string root = first_line_of({npm, "root", "-g", "--logs-max=0"});
      if (!root.empty()) ric_dir = root + "/aws-lambda-ric";
    }
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
  // The extensions helper, beside the lambdakit binary: a copy in `builtin` (which sandboxes
  // see at /var/runtime).
  fs::path helper = fs::canonical("/proc/self/exe", ec).parent_path() / extensions_init_name;
  if (!ec && fs::is_regular_file(helper, ec)) {
    fs::copy_file(helper, h.builtin / extensions_init_name, fs::copy_options::overwrite_existing,
                  ec);
    h.extensions_init = !ec;
  }
  return h;
}

result<launch> runtime_command(const function_config& fn, const fs::path& task_root,
                               const fs::path& visible_root, const fs::path& visible_builtin,
                               const runtime_hosts& hosts, const fs::path& visible_opt) {
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
    python_host host{hosts.python, hosts.python_ric};
    if (auto it = hosts.pythons.find(std::string(row->name.substr(6))); it != hosts.pythons.end())
      host = it->second;
    if (host.path.empty()) {
      return make_failure(runtime_errc::unsupported_runtime,
                          r + " needs python" + std::string(row->name.substr(6)) +
                              " or python3 on the service's PATH");
    }
    l.argv = host.ric ? std::vector<std::string>{host.path, "-m", "awslambdaric", fn.handler}
                      : std::vector<std::string>{
                            host.path, (visible_builtin / "python_bootstrap.py").string()};
    // Lambda's Python puts the layers' python/lib/python3.x/site-packages and python/ after
    // the task root.
    std::string path = visible_root.string();
    if (!visible_opt.empty()) {
      path += ":" +
              (visible_opt / "python/lib" / ("python" + std::string(row->name.substr(6))) /
               "site-packages")
                  .string() +
              ":" + (visible_opt / "python").string();
    }
    l.env = {{"PYTHONPATH", path}, {"PYTHONUNBUFFERED", "1"}};
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
    // Lambda's NODE_PATH: the layers' nodejs/nodeNN/node_modules and nodejs/node_modules, then
    // the task root.
    std::string path;
    if (!visible_opt.empty()) {
      std::string major(row->name.substr(6, row->name.find('.') - 6));  // nodejs22.x: 22
      path = (visible_opt / "nodejs" / ("node" + major) / "node_modules").string() + ":" +
             (visible_opt / "nodejs/node_modules").string() + ":";
    }
    l.env = {{"NODE_PATH", path + visible_root.string()}};
    return l;
  }
  return make_failure(runtime_errc::unsupported_runtime,
                      "runtime " + r + " is not supported by lambdakit serve");
}

}  // namespace lambdakit::platform::env
