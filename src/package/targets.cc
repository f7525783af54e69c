#include "package/targets.h"

#include <vector>

namespace lambdakit::package {
namespace {

// The C runtime every Lambda OS has. Versions: Amazon Linux 2 ships glibc 2.26 and GCC 7's
// libstdc++ (GLIBCXX_3.4.24, CXXABI_1.3.11); Amazon Linux 2023 glibc 2.34 and GCC 11's
// (GLIBCXX_3.4.29, CXXABI_1.3.13) (GCC's ABI policy table lists which GCC added which version).
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
    return std::vector<target>{
        {"provided.al2023", "Amazon Linux 2023", "GLIBC_2.34", "GLIBCXX_3.4.29", "CXXABI_1.3.13",
         base},
        {"provided.al2", "Amazon Linux 2", "GLIBC_2.26", "GLIBCXX_3.4.24", "CXXABI_1.3.11", base},
        {"provided", "Amazon Linux 2018.03", "GLIBC_2.17", "GLIBCXX_3.4.19", "CXXABI_1.3.7", base}};
  }();
  return targets;
}

}  // namespace

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
          ") does not have and the package does not carry: link it statically or bundle it");
    }
  }
  for (const auto& [file, versions] : bin.versions) {
    if (bundled.contains(file)) continue;  // the package brings its own copy
    for (const auto& v : versions) {
      const std::string* limit = nullptr;
      std::string fix;
      if (v.rfind("GLIBC_", 0) == 0) {
        limit = &t.glibc;
        fix = "build against glibc " + t.glibc.substr(6) +
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
