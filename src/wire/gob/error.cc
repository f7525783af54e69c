#include "wire/gob/error.h"

#include "base/error_category.h"

namespace lambdakit::wire::gob {
namespace {

const char* describe(error e) noexcept {
  switch (e) {
    case error::truncated:
      return "gob message truncated";
    case error::bad_length:
      return "gob message length does not match its content";
    case error::too_large:
      return "gob message too large";
    case error::bad_type_id:
      return "gob type id out of range";
    case error::duplicate_type:
      return "gob duplicate type received";
    case error::unknown_type:
      return "gob value of an undefined type";
    case error::too_many_types:
      return "gob stream defined too many types";
    case error::bad_definition:
      return "malformed gob type definition";
    case error::type_mismatch:
      return "gob type mismatch";
    case error::bad_field:
      return "gob field number out of range";
    case error::too_deep:
      return "gob value nested too deeply";
    case error::unsupported:
      return "unsupported gob feature";
    case error::extra_data:
      return "gob extra data in buffer";
  }
  return "gob error";
}

const base::enum_category<error> instance("gob", describe);

}  // namespace

const std::error_category& category() noexcept {
  return instance;
}

}  // namespace lambdakit::wire::gob
