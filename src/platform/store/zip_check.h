// The structural check of an uploaded zip before anything is extracted: the end record, the
// central directory and every local header must agree (offsets inside the file, entry counts,
// names, sizes and CRCs where the local header carries them). A zip whose directory lies is
// refused, whatever an extractor would make of it. ZIP64 records are read. Pure: bytes in.
#pragma once

#include <string_view>

#include "base/result.h"

namespace lambdakit::platform::store {

// Fails with std::errc::bad_message and a sentence that names the first inconsistency and the
// entry it is in ("entry 3 (lib/x.so): the local header says 812 compressed bytes, the central
// directory 9000").
result<void> check_zip_structure(std::string_view zip);

}  // namespace lambdakit::platform::store
