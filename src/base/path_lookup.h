// Finding a program: the one PATH lookup of the tree.
#pragma once

#include <filesystem>
#include <string_view>

namespace lambdakit::base {

// The absolute path of the executable `program` in $PATH (or in `path` when given, a
// colon-separated list), or empty when there is none. A name with a slash is returned
// (absolute) when it is executable, and not searched for.
std::filesystem::path find_program(std::string_view program, const char* path = nullptr);

}  // namespace lambdakit::base
