// JSON text to Python objects, in C++ (no json.loads): how a handler's JSON response becomes
// what the Python runtime then serializes. Produces what json.loads would: dict (one str per
// distinct key, as CPython's scanner shares them), list, str (escaped lone surrogates kept, as
// json.loads keeps them), int (any size), float, True, False, None. Strict RFC 8259: no NaN,
// no trailing commas, nothing after the value but whitespace; nesting at most 10,000 deep.
#pragma once

#include <string_view>

#include "python/py.h"

namespace lambdakit::python {

// A new reference, or null with a Python exception set: ValueError "the handler's response is
// not valid JSON: <what> at byte <n>" (json.JSONDecodeError's facts), or UnicodeDecodeError for
// bytes that are not UTF-8. Needs the GIL.
PyObject* parse_json(std::string_view text);

}  // namespace lambdakit::python
