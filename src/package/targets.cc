#include "package/targets.h"

#include <vector>

#include "runtimes/registry.h"

namespace lambdakit::package {
namespace {

// The C runtime every Lambda OS has; the versions of each OS come from the runtime registry.
const std::vector<target>& all_targets() {
  static const std::vector<target> targets = [] {
    const std::set<std::string> base = {"libc.so.6",
                                        "libm.so.6",
                                        "libpthread.so.0",
                                        "libdl.so.2",
                                        "librt.so.1",
                                        "libutil.so.1",
                                        "libresolv.so.2",
                                        "libgcc_s.so.1",
                                        "libstdc++.so.6",
                                        "ld-linux-x86-64.so.2",
                                        "ld-linux-aarch64.so.1"};
    std::vector<target> out;
    for (const auto& r : runtimes::all()) {
      if (!r.packaged()) continue;
      std::string python;
      if (r.kind == runtimes::family::python) python = std::string(r.name.substr(6));  // "3.12"
      out.push_back({std::string(r.name), std::string(r.os->name), std::string(r.os->glibc),
                     std::string(r.os->glibcxx), std::string(r.os->cxxabi), base,
                     r.binary_named_by_handler(), r.arm64, python, r.packages_stdio_host()});
    }
    return out;
  }();
  return targets;
}

}  // namespace

std::string packaged_runtimes() {
  return runtimes::names_where([](const auto& r) { return r.packaged(); });
}

const target* find_target(const std::string& runtime) {
  for (const auto& t : all_targets()) {
    if (t.runtime == runtime) return &t;
  }
  return nullptr;
}

std::string elf_machine_for(const std::string& lambda_arch) {
  if (lambda_arch == "arm64") return "aarch64";
  return lambda_arch;
}

std::vector<std::string> check_binary(const elf_info& bin, const std::string& name, const target& t,
                                      const std::string& lambda_arch,
                                      const std::set<std::string>& bundled) {
  std::vector<std::string> problems;
  if (bin.machine != elf_machine_for(lambda_arch)) {
    problems.push_back(name + " is built for " + bin.machine +
                       ", but the function's architecture is " + lambda_arch + ": build for " +
                       elf_machine_for(lambda_arch) + " or package with --arch " +
                       (bin.machine == "aarch64" ? "arm64" : bin.machine));
  }
  if (bin.is_static) return problems;
  for (const auto& lib : bin.needed) {
    if (!t.libraries.contains(lib) && !bundled.contains(lib)) {
      problems.push_back(
          name + " needs " + lib + ", which " + t.os + " (" + t.runtime +
          ") does not have and the package does not carry: link it statically, bundle it "
          "(--bundle-libraries), or ship it in a layer and say so (--from-layer " +
          lib + ")");
    }
  }
  for (const auto& [file, versions] : bin.versions) {
    if (bundled.contains(file)) continue;  // the package brings its own copy
    for (const auto& v : versions) {
      const std::string* limit = nullptr;
      std::string fix;
      if (v.rfind("GLIBC_", 0) == 0) {
        limit = &t.glibc;
        fix = bin.shared_library ? "build against glibc " + t.glibc.substr(6) +
                                       " or older (lambdakit build uses zig for that)"
                                 : "build against glibc " + t.glibc.substr(6) +
                                       " or older, or link fully static (-static)";
      } else if (v.rfind("GLIBCXX_", 0) == 0) {
        limit = &t.glibcxx;
        fix = "link libstdc++ statically (-static-libstdc++)";
      } else if (v.rfind("CXXABI_", 0) == 0) {
        limit = &t.cxxabi;
        fix = "link libstdc++ statically (-static-libstdc++)";
      }
      if (limit != nullptr && version_newer(v, *limit)) {
        problems.push_back(name + " needs " + v + " from " + file + ", but " + t.os + " (" +
                           t.runtime + ") has at most " + *limit + ": " + fix);
      }
    }
  }
  return problems;
}

}  // namespace lambdakit::package
