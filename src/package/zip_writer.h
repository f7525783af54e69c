// Deterministic zip archives: the same files give the same bytes. Entries are sorted by name,
// every timestamp is 1980-01-01 00:00, Unix permissions are kept, nothing else is recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lambdakit::package {

struct zip_entry {
  std::string name;  // path inside the zip, '/'-separated
  std::string data;
  std::uint32_t mode = 0644;  // permission bits
};

// The zip file's bytes (deflate, level 9; stored when deflate does not help).
std::string make_zip(std::vector<zip_entry> entries);

// Why `entries` would not unzip as meant: two entries with one name, or a name that is empty,
// absolute, has a "." or ".." component, an empty component or a backslash. Empty when fine.
std::string entry_name_problem(const std::vector<zip_entry>& entries);

}  // namespace lambdakit::package
