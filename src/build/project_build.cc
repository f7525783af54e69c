#include "build/project_build.h"

#include <fcntl.h>
#include <lambdakit/version.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "base/child.h"
#include "base/path_lookup.h"

namespace lambdakit::build {
using base::find_program;
using base::run_tool;
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

result<bool> run_step(const std::vector<std::string>& argv, const std::string& what) {
  auto r = run_tool(argv, false);
  if (!r) return make_failure(build_errc::tool_failed, what + ": " + r.error().message());
  if (r->exit_code != 0) {
    return make_failure(build_errc::tool_failed,
                        what + " failed (exit " + std::to_string(r->exit_code) +
                            "); the output above says why.\n  command: " + join(argv));
  }
  return true;
}

std::vector<std::string> generator_args() {
  if (!find_program("ninja").empty()) return {"-G", "Ninja"};
  return {};
}

// Holds an exclusive lock on a file for as long as it lives: two builds sharing the cache wait
// for each other instead of racing in one build directory.
class file_lock {
 public:
  explicit file_lock(const fs::path& p)
      : fd_(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~file_lock() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

 private:
  int fd_;
};

// The source folder a CMake build folder was configured from, or empty.
fs::path cached_source(const fs::path& build) {
  std::ifstream in(build / "CMakeCache.txt");
  std::string line;
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::error_code ec;
      return fs::weakly_canonical(line.substr(key.size()), ec);
    }
  }
  return {};
}

// The lambdakit runtime library built with `t` and installed as a CMake package; returns the
// install prefix. Incremental: a second call costs one no-op build.
result<fs::path> runtime_prefix(const toolchain& t, const build_options& o, const fs::path& cache) {
  if (!fs::exists(o.lambdakit_source / "src" / "runtime" / "run.cc")) {
    return make_failure(
        build_errc::no_toolchain,
        "lambdakit's sources are not at " + o.lambdakit_source.string() +
            " (an install has them in share/lambdakit/source; reinstall lambdakit)");
  }
  fs::path root = cache / (std::string(lambdakit::version) + "-" + t.key());
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return make_failure(build_errc::tool_failed,
                        "cannot create the cache " + root.string() + ": " + ec.message() +
                            " (set LAMBDAKIT_CACHE_DIR to a writable folder)");
  }
  file_lock lock(root / "lock");
  auto toolchain_file = write_toolchain_file(t, root / "toolchain");
  if (!toolchain_file) return std::move(toolchain_file).error();
  fs::path build = root / "build";
  fs::path prefix = root / "install";
  std::vector<std::string> configure = {"cmake", "-S", o.lambdakit_source.string(), "-B",
                                        build.string()};
  for (auto& g : generator_args()) configure.push_back(g);
  for (const std::string& d :
       std::vector<std::string>{"-DCMAKE_BUILD_TYPE=Release", "-DLAMBDAKIT_BUILD_TESTS=OFF",
                                "-DLAMBDAKIT_BUILD_EXAMPLES=OFF", "-DLAMBDAKIT_BUILD_TOOLS=OFF",
                                "-DCMAKE_TOOLCHAIN_FILE=" + toolchain_file->string(),
                                "-DCMAKE_INSTALL_PREFIX=" + prefix.string()}) {
    configure.push_back(d);
  }
  // A cache made from other sources (lambdakit reinstalled elsewhere) cannot be reused.
  if (cached_source(build) != fs::weakly_canonical(o.lambdakit_source, ec))
    fs::remove_all(build, ec);
  if (!fs::exists(build / "CMakeCache.txt")) {
    auto r = run_step(configure, "configuring the lambdakit runtime for " + t.describe());
    if (!r) return std::move(r).error();
  }
  auto r = run_step({"cmake", "--build", build.string()}, "building the lambdakit runtime");
  if (!r) return std::move(r).error();
  r = run_step({"cmake", "--install", build.string()}, "installing the lambdakit runtime");
  if (!r) return std::move(r).error();
  return prefix;
}

// Where the runtime's CMake package landed below `prefix` (lib/, lib64/ or lib/<triplet>/).
fs::path package_dir(const fs::path& prefix) {
  std::error_code ec;
  for (const char* libdir : {"lib", "lib64"}) {
    fs::path candidate = prefix / libdir / "cmake" / "lambdakit";
    if (fs::exists(candidate / "lambdakitConfig.cmake", ec)) return candidate;
  }
  for (const auto& entry : fs::directory_iterator(prefix / "lib", ec)) {
    fs::path candidate = entry.path() / "cmake" / "lambdakit";
    if (fs::exists(candidate / "lambdakitConfig.cmake", ec)) return candidate;
  }
  return {};
}

// lambdakit_add_function writes one record per function: key=value lines.
std::vector<built_function> read_functions(const fs::path& build_dir) {
  std::vector<built_function> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(build_dir / "lambdakit-functions", ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::ifstream in(entry.path());
    std::map<std::string, std::string> kv;
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    out.push_back(
        {entry.path().filename().string(), kv["binary"], kv["zip"], kv["runtime"], kv["arch"]});
  }
  std::sort(out.begin(), out.end(),
            [](const built_function& a, const built_function& b) { return a.name < b.name; });
  return out;
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* d = std::getenv("LAMBDAKIT_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d != '\0') {
    return fs::path(d) / "lambdakit";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : "/tmp") / ".cache" / "lambdakit";
}

result<build_report> build_project(const build_options& o) {
  std::error_code ec;
  fs::path project = fs::weakly_canonical(fs::absolute(o.project_dir, ec), ec);
  if (!fs::exists(project / "CMakeLists.txt", ec)) {
    return make_failure(build_errc::no_project,
                        "no CMakeLists.txt in " + project.string() +
                            ": run lambdakit build in a project folder (`lambdakit new NAME` "
                            "makes one), or pass --project-dir");
  }
  auto t = find_toolchain(o.requested, o.runtime, o.arch);
  if (!t) return std::move(t).error();
  if (find_program("cmake").empty()) {
    return make_failure(build_errc::no_toolchain,
                        "cmake is not in PATH (Debian: apt-get install cmake ninja-build)");
  }
  fs::path cache = o.cache_dir.empty() ? default_cache_dir() : o.cache_dir;
  auto prefix = runtime_prefix(*t, o, cache / "runtime");
  if (!prefix) return std::move(prefix).error();

  build_report report;
  report.used = *t;
  report.build_dir =
      project / "build" / "lambda" / (o.runtime + "-" + o.arch + "-" + std::string(name(t->kind)));
  auto toolchain_file = write_toolchain_file(*t, report.build_dir / "toolchain");
  if (!toolchain_file) return std::move(toolchain_file).error();
  // Records from an earlier build may name functions the project no longer has.
  fs::remove_all(report.build_dir / "lambdakit-functions", ec);

  std::vector<std::string> configure = {"cmake", "-S", project.string(), "-B",
                                        report.build_dir.string()};
  for (auto& g : generator_args()) configure.push_back(g);
  for (const std::string& d : std::vector<std::string>{
           "-DCMAKE_BUILD_TYPE=" + o.build_type,
           "-DCMAKE_TOOLCHAIN_FILE=" + toolchain_file->string(),
           "-DCMAKE_PREFIX_PATH=" + prefix->string(),
           // find_package caches lambdakit_DIR: name it, or an older cache would win.
           "-Dlambdakit_DIR=" + package_dir(*prefix).string(), "-DLAMBDAKIT_CLI=" + o.cli.string(),
           "-DLAMBDAKIT_RUNTIME=" + o.runtime, "-DLAMBDAKIT_ARCH=" + o.arch,
           "-DLAMBDAKIT_STRATEGY=" + std::string(name(t->kind))}) {
    configure.push_back(d);
  }
  auto r = run_step(configure, "configuring " + project.string());
  if (!r) return std::move(r).error();
  r = run_step({"cmake", "--build", report.build_dir.string()}, "building " + project.string());
  if (!r) return std::move(r).error();

  report.functions = read_functions(report.build_dir);
  if (report.functions.empty()) {
    return make_failure(build_errc::no_functions,
                        project.string() +
                            " built, but defines no function: add "
                            "lambdakit_add_function(NAME SOURCES main.cc) after "
                            "find_package(lambdakit) in its CMakeLists.txt");
  }
  return report;
}

}  // namespace lambdakit::build
