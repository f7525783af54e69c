// Python objects to JSON text, in C++ (no json.dumps): how the event the Python runtime parsed
// becomes the handler's payload. Follows json.dumps(obj, ensure_ascii=False, allow_nan=False,
// separators=(",", ":")) and its error texts: dict (keys str, int, float, bool or None), list
// and tuple, str, int (any size: the digits as json writes them), float (repr), True, False,
// None. Anything else, NaN and infinities, cycles and nesting deeper than the interpreter's
// recursion limit raise the Python exception json would. Lone surrogates, which a valid event
// can carry ("\ud800"), are written back as \uXXXX escapes.
#pragma once

#include <string>

#include "python/py.h"

namespace lambdakit::python {

// Appends `o` as JSON to `out`. Returns false with a Python exception set (out is then partial).
// Needs the GIL.
bool append_json(std::string& out, PyObject* o);

}  // namespace lambdakit::python
