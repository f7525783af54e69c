// What each Lambda runtime's operating system offers a binary, and the check of a binary
// against it: glibc and libstdc++ symbol versions, shared libraries, architecture.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "package/elf.h"

namespace lambdakit::package {

struct target {
  std::string runtime;                   // provided.al2023, ...
  std::string os;                        // "Amazon Linux 2023"
  std::string glibc;                     // newest GLIBC_ version the target's libc provides
  std::string glibcxx;                   // newest GLIBCXX_ version of its libstdc++
  std::string cxxabi;                    // newest CXXABI_ version
  std::set<std::string> libraries;       // shared libraries every function can load
  bool binary_named_by_handler = false;  // go1.x: the zip's executable is named by the Handler
  bool arm64 = true;                     // whether Lambda runs the runtime on arm64
  std::string python;       // python3.x: "3.X", the Python whose modules it loads; empty otherwise
  bool stdio_host = false;  // nodejs*: the binary runs behind lambdakit's Node.js host
};

// The target for a runtime name; nullptr when lambdakit does not package for it (yet).
const target* find_target(const std::string& runtime);

// The runtimes find_target knows, as "a, b and c" (from the runtime registry).
std::string packaged_runtimes();

// "x86_64" or "arm64" (Lambda's names) to the ELF machine name.
std::string elf_machine_for(const std::string& lambda_arch);

// Each way `bin` would fail to start on `t`, as a sentence that names the fix. `bundled` are the
// library files the package carries itself.
std::vector<std::string> check_binary(const elf_info& bin, const std::string& name, const target& t,
                                      const std::string& lambda_arch,
                                      const std::set<std::string>& bundled = {});

}  // namespace lambdakit::package
