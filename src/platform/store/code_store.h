// Function code, stored once per SHA-256: the zip as uploaded and its extracted tree, which
// environments use read-only as their task root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lambdakit::platform::store {

// Lambda's limits for a zip deployment package.
inline constexpr std::size_t max_zip_bytes = std::size_t{50} * 1024 * 1024;            // 52428800
inline constexpr std::uint64_t max_unzipped_bytes = std::uint64_t{250} * 1024 * 1024;  // 262144000
inline constexpr std::size_t max_zip_entries = 100000;

enum class code_errc {
  zip_too_large = 1,   // over max_zip_bytes
  unzipped_too_large,  // the entries add up to more than max_unzipped_bytes
  corrupt_zip,         // not a zip, truncated, or unreadable
  unsafe_entry,        // an absolute path, a "..", or a link out of the task root
  io_error,            // the state directory could not be written
};
std::error_code make_error_code(code_errc e) noexcept;

struct stored_code {
  std::string sha256_hex;
  std::string sha256_base64;  // what AWS reports as CodeSha256
  std::int64_t size = 0;      // zip bytes
  std::uint64_t unzipped_bytes = 0;
};

class code_store {
 public:
  // Uses (and creates) <state_dir>/code.
  explicit code_store(const std::filesystem::path& state_dir);

  // Checks and extracts `zip` unless this code is already stored. Nothing is written outside
  // <state_dir>/code, and a refused zip leaves nothing behind.
  result<stored_code> add(std::string_view zip);

  // The extracted tree of stored code (the environment's LAMBDA_TASK_ROOT).
  std::filesystem::path task_root(const std::string& sha256_hex) const;
  bool contains(const std::string& sha256_hex) const;
  // The bytes of the regular files in the extracted tree of `sha256_hex` (0 when not stored).
  std::uint64_t unzipped_size(const std::string& sha256_hex) const;

  // At start, before any environment runs: removes what an interrupted upload left
  // (.staging-*) and the code of functions that no longer exist (every tree not in `keep`).
  // Returns how many entries went.
  std::size_t collect(const std::set<std::string>& keep);

  // While running: renames the tree of `sha256_hex` aside (to a .trash-* entry, which no lookup
  // sees) and returns where it went, for the caller to remove; empty when it was not stored.
  std::filesystem::path set_aside(const std::string& sha256_hex);

 private:
  std::filesystem::path dir_;
};

// The SHA-256 of `data` in lowercase hex.
std::string sha256_hex_of(std::string_view data);

// Extracts `zip` into `dest` (which must not exist yet) with every check above.
result<std::uint64_t> extract_zip(std::string_view zip, const std::filesystem::path& dest);

}  // namespace lambdakit::platform::store

template <>
struct std::is_error_code_enum<lambdakit::platform::store::code_errc> : std::true_type {};
