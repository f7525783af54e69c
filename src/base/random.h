// Random identifiers: the one source of the tree (request ids, revision ids, log stream names,
// trace ids, staging folder names). Not for secrets: a per-thread generator seeded from the OS.
#pragma once

#include <cstddef>
#include <string>

namespace lambdakit::base {

// `n` lowercase hexadecimal digits.
std::string random_hex(std::size_t n);

// A version 4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (y one of 8, 9, a, b).
std::string random_uuid();

// A number drawn uniformly from [0, 1) (an alias's weighted routing).
double random_unit();

}  // namespace lambdakit::base
