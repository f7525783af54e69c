// The `bundle` strategy's packaging step: the shared libraries a dynamically linked binary loads
// on this machine, and its dynamic loader, copied into the zip's lib/; the binary's interpreter
// and run path rewritten (patchelf) to point there. On Lambda the task root is /var/task, so
// the interpreter becomes /var/task/lib/<loader>: the binary is still `bootstrap` itself, no
// wrapper script in front of it (a shell bootstrap costs tens of milliseconds of cold start).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "package/elf.h"
#include "package/zip_writer.h"

namespace lambdakit::package {

inline constexpr const char* task_root = "/var/task";

struct bundle {
  std::string binary;                // the rewritten binary's bytes
  std::vector<zip_entry> libraries;  // lib/<soname>, the loader among them
};

// Finds every library `bin` needs (transitively) in its run path and this machine's library
// folders for its architecture, and the loader it names. Errors name the missing library.
result<bundle> bundle_libraries(const std::string& image, const elf_info& bin,
                                const std::string& name);

}  // namespace lambdakit::package
