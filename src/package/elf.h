// Reading what a Linux binary needs from the system that runs it: its architecture, dynamic
// loader, shared libraries, run path, and the symbol versions it requires (GLIBC_2.34,
// GLIBCXX_3.4.29, ...). The packager checks these against a Lambda runtime's glibc.
// ELF64 little-endian only (x86_64 and aarch64: Lambda's two architectures).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lambdakit::package {

enum class elf_errc {
  not_elf = 1,  // no ELF magic: a script, an archive, a text file
  unsupported,  // 32-bit, big-endian, or an object file rather than an executable
  truncated,    // offsets or sizes point past the end of the file
};
std::error_code make_error_code(elf_errc e) noexcept;

struct elf_info {
  std::string machine;              // "x86_64", "aarch64", or "EM <n>" for anything else
  bool is_static = true;            // no PT_INTERP and no DT_NEEDED
  std::string interpreter;          // PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2
  std::vector<std::string> needed;  // DT_NEEDED, in order
  std::string runpath;              // DT_RUNPATH (or DT_RPATH)
  bool shared_library = false;      // ET_DYN without PT_INTERP: a library or module, not a PIE
  std::set<std::string> exports;    // defined global and weak symbols of .dynsym
  // Required versions per library file, from .gnu.version_r: {"libc.so.6": {"GLIBC_2.2.5", ...}}
  std::map<std::string, std::set<std::string>> versions;
};

// Parses an ELF image held in memory. `name` is for messages.
result<elf_info> read_elf(std::string_view image, const std::string& name);

// A dotted version as numbers, for comparing "GLIBC_2.34" with "GLIBC_2.26": {2, 34}.
std::vector<int> version_numbers(std::string_view tagged);   // the part after the last '_'
bool version_newer(std::string_view a, std::string_view b);  // a > b

}  // namespace lambdakit::package

template <>
struct std::is_error_code_enum<lambdakit::package::elf_errc> : std::true_type {};
