#include "package/packager.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "base/error_category.h"
#include "package/bundle.h"
#include "package/elf.h"
#include "package/python_module.h"
#include "package/stdio_host.h"
#include "package/targets.h"
#include "package/zip_writer.h"

namespace lambdakit::package {
namespace fs = std::filesystem;
namespace {

const char* describe(package_errc e) noexcept {
  switch (e) {
    case package_errc::unreadable_input:
      return "cannot read the binary";
    case package_errc::not_a_binary:
      return "not a Linux executable";
    case package_errc::unsupported_runtime:
      return "no package layout for this runtime";
    case package_errc::wont_start:
      return "the function would not start on Lambda";
    case package_errc::too_large:
      return "the package exceeds Lambda's limits";
    case package_errc::unwritable_output:
      return "cannot write the package";
  }
  return "unknown packaging error";
}

constexpr std::uint64_t max_zip = 50ull * 1024 * 1024;
constexpr std::uint64_t max_unzipped = 250ull * 1024 * 1024;

std::string describe_linkage(const elf_info& e) {
  if (e.is_static) return "static";
  std::string s = "dynamic:";
  for (const auto& lib : e.needed) {
    s += " " + lib;
    auto it = e.versions.find(lib);
    if (it != e.versions.end() && !it->second.empty()) {
      std::string newest;
      for (const auto& v : it->second) {
        if (newest.empty() || (v.substr(0, v.rfind('_')) == newest.substr(0, newest.rfind('_')) &&
                               version_newer(v, newest)))
          newest = v;
      }
      s += " (" + newest + ")";
    }
  }
  return s;
}

}  // namespace

std::error_code make_error_code(package_errc e) noexcept {
  static const base::enum_category<package_errc> category("lambdakit.package", describe);
  return category.make(e);
}

result<void> write_atomically(const fs::path& output, const std::string& bytes) {
  fs::path tmp = output;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) ||
        !out.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return make_failure(package_errc::unwritable_output,
                          output.string() + ": " + std::strerror(errno));
    }
  }
  std::error_code ec;
  fs::rename(tmp, output, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return make_failure(package_errc::unwritable_output, output.string() + ": " + ec.message());
  }
  return {};
}

result<package_report> package_function(const package_options& o) {
  const target* t = find_target(o.runtime);
  if (t == nullptr) {
    return make_failure(package_errc::unsupported_runtime,
                        "\"" + o.runtime +
                            "\" is not a Lambda runtime lambdakit packages for; it "
                            "packages " +
                            packaged_runtimes());
  }
  std::string entry = "bootstrap";
  bool module = !t->python.empty();
  if (module) {
    entry = o.binary.filename().string();  // the module keeps its file name: the ABI is in it
    std::string handler = parse_module_file(entry).module + ".handler";
    if (!o.handler.empty() && o.handler != handler) {
      return make_failure(package_errc::unsupported_runtime,
                          "--handler \"" + o.handler + "\": the module " + entry +
                              " is imported as its file name says, so the Handler is " + handler);
    }
  } else if (t->stdio_host) {
    entry = stdio_binary_name;
    if (!o.handler.empty() && o.handler != stdio_handler) {
      return make_failure(package_errc::unsupported_runtime,
                          "--handler \"" + o.handler + "\": on " + o.runtime +
                              " the Handler is index.handler (lambdakit's Node.js host, "
                              "index.mjs, runs the binary; docs/stdio.md)");
    }
  } else if (t->binary_named_by_handler) {
    entry = o.handler.empty() ? o.binary.filename().string() : o.handler;
    if (entry.empty() || entry == "." || entry == ".." || entry.find('/') != std::string::npos ||
        entry == "lib") {
      return make_failure(package_errc::unsupported_runtime,
                          "--handler \"" + entry +
                              "\" must be a plain file name (the function's Handler), e.g. hello");
    }
  } else if (!o.handler.empty() && o.handler != "bootstrap") {
    return make_failure(package_errc::unsupported_runtime,
                        "--handler is for go1.x; on " + o.runtime +
                            " the binary is always `bootstrap` (the Handler is ignored)");
  }
  if (o.arch == "arm64" && !t->arm64) {
    return make_failure(package_errc::unsupported_runtime,
                        o.runtime +
                            " runs on x86_64 only: package with --arch x86_64 (or use "
                            "provided.al2023, which runs on arm64, with the same source)");
  }
  if (o.arch != "x86_64" && o.arch != "arm64") {
    return make_failure(package_errc::unsupported_runtime,
                        "--arch must be x86_64 or arm64, not \"" + o.arch + "\"");
  }
  std::ifstream in(o.binary, std::ios::binary);
  if (!in)
    return make_failure(package_errc::unreadable_input,
                        o.binary.string() + ": " + std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  std::string image = buf.str();
  auto elf = read_elf(image, o.binary.string());
  if (!elf) return make_failure(package_errc::not_a_binary, elf.error().message());
  std::vector<zip_entry> libraries;
  std::set<std::string> bundled;
  if (o.bundle_libraries && module) {
    return make_failure(package_errc::unsupported_runtime,
                        "--bundle-libraries is for executables: a Python module uses the "
                        "runtime's libc (build it with zig for the runtime's glibc)");
  }
  if (o.bundle_libraries && elf->machine == elf_machine_for(o.arch)) {
    auto b = bundle_libraries(image, *elf, o.binary.filename().string());
    if (!b) return std::move(b).error();
    image = std::move(b->binary);
    libraries = std::move(b->libraries);
    for (const auto& l : libraries) bundled.insert(l.name.substr(4));  // "lib/" prefix
  }
  bundled.insert(o.from_layers.begin(), o.from_layers.end());
  std::vector<std::string> problems;
  if (module) {
    problems = check_python_module(*elf, parse_module_file(entry), *t, o.arch);
    // The libraries and symbol versions as for any binary, less libpython: that one is
    // check_python_module's, with its own fix.
    elf_info rest = *elf;
    std::erase_if(rest.needed, is_libpython);
    std::erase_if(rest.versions, [](const auto& v) { return is_libpython(v.first); });
    auto libc = check_binary(rest, entry, *t, o.arch, bundled);
    problems.insert(problems.end(), libc.begin(), libc.end());
  } else {
    problems = check_binary(*elf, o.binary.filename().string(), *t, o.arch, bundled);
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += "\n  - " + p;
    return make_failure(package_errc::wont_start, "on " + o.runtime + " (" + o.arch + "):" + all);
  }
  package_report report;
  report.linkage = describe_linkage(*elf);
  if (!libraries.empty()) report.linkage += "; bundled in lib/ with the loader";
  report.unzipped_bytes = image.size();
  report.entries.push_back(entry + " (0755, " + std::to_string(image.size()) + " bytes)");
  report.handler = module ? parse_module_file(entry).module + ".handler" : entry;
  if (t->stdio_host) {
    report.handler = stdio_handler;
    for (const auto& f : nodejs_host_files())
      libraries.push_back({std::string(f.name), std::string(f.text), 0644});
  }
  for (const auto& l : libraries) {
    report.unzipped_bytes += l.data.size();
    report.entries.push_back(l.name + (l.mode == 0644 ? " (0644, " : " (0755, ") +
                             std::to_string(l.data.size()) + " bytes)");
  }
  if (report.unzipped_bytes > max_unzipped) {
    return make_failure(package_errc::too_large,
                        "the function is " + std::to_string(report.unzipped_bytes) +
                            " bytes unzipped; Lambda takes at most 262144000");
  }
  libraries.push_back({entry, std::move(image), 0755});
  if (auto problem = entry_name_problem(libraries); !problem.empty()) {
    return make_failure(package_errc::wont_start,
                        problem + ": rename one of the files, or link the library statically");
  }
  std::string zip = make_zip(std::move(libraries));
  if (zip.size() > max_zip) {
    return make_failure(
        package_errc::too_large,
        "the zip is " + std::to_string(zip.size()) +
            " bytes; Lambda takes at most 52428800 (upload larger code through S3)");
  }
  if (auto w = write_atomically(o.output, zip); !w) return std::move(w).error();
  report.zip = o.output;
  report.zip_bytes = zip.size();
  return report;
}

}  // namespace lambdakit::package
