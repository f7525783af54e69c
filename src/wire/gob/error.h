// Errors of the gob codec (Go's encoding/gob, as net/rpc speaks it). Each value is one way a
// peer's bytes can be wrong or hostile; the detail string says where.
#pragma once

#include <system_error>

namespace lambdakit::wire::gob {

enum class error {
  truncated = 1,   // a message ends in the middle of a value
  bad_length,      // a message length is zero or lies about what follows
  too_large,       // a message longer than the configured limit
  bad_type_id,     // a type id out of range (a definition below 65, a value of type 0)
  duplicate_type,  // a type id defined twice on one stream
  unknown_type,    // a value or field of a type never defined on this stream
  too_many_types,  // the stream defined more types than the configured limit
  bad_definition,  // a type definition that is not a well-formed wireType
  type_mismatch,   // a field's wire type does not fit the local field of the same name
  bad_field,       // a struct field number past the end of its type's fields
  too_deep,        // values nested deeper than the configured limit
  unsupported,     // a gob feature lambdakit does not decode (interface values)
  extra_data,      // bytes left over after the one value a message holds
};

const std::error_category& category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace lambdakit::wire::gob

template <>
struct std::is_error_code_enum<lambdakit::wire::gob::error> : std::true_type {};
