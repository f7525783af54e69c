// The checks `lambdakit package` makes of a CPython extension module for a python3.x runtime,
// where the module sits at the zip's root and the Handler is <module>.handler.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "package/elf.h"
#include "package/targets.h"

namespace lambdakit::package {

// A module file name taken apart: "hello.abi3.so" -> {"hello", "abi3"};
// "hello.cpython-311-x86_64-linux-gnu.so" -> {"hello", "cpython-311-x86_64-linux-gnu"}.
struct module_file {
  std::string module;  // the import name (PyInit_<module>)
  std::string tag;     // "abi3", "cpython-3XY-<triplet>", or empty for a bare .so
};
module_file parse_module_file(std::string_view file_name);

// Each way the module would fail to import on `t` (a python3.x target), as a sentence naming the
// fix: its ABI tag against the runtime's Python and architecture, libpython in DT_NEEDED, a
// missing PyInit_<module>, a name that is not an identifier or shadows the standard library.
// (glibc and libstdc++ are check_binary's.)
std::vector<std::string> check_python_module(const elf_info& bin, const module_file& file,
                                             const target& t, const std::string& lambda_arch);

// True for a libpython file name ("libpython3.12.so.1.0"), which no module may need.
bool is_libpython(std::string_view library);

// True for the names of sys.stdlib_module_names (python_stdlib.cc).
bool is_stdlib_module(std::string_view name);

}  // namespace lambdakit::package
