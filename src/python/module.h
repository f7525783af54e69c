// The CPython extension module a lambdakit function builds into (the Python-extension path):
// Lambda's Python runtime imports it as `<name>` and calls `<name>.handler(event, context)`.
// module_entry.cc defines the module (PyInit_<name>) and calls define_module.
#pragma once

namespace nanobind {
class module_;
}

namespace lambdakit::python {

// The function's own entry: its main() (called as main(1, {"<name>", null})), or the one
// LAMBDAKIT_PYTHON_MODULE defines. It must call lambdakit::run once.
using entry_fn = int (*)(int, char**);

// Runs `entry` with a capture installed, so that lambdakit::run hands over its handler instead
// of serving; runs run_options::init (Lambda's Init phase: the import); adds `handler`.
// Throws std::runtime_error (nanobind turns it into ImportError with this message) when main()
// never called run or Init threw.
void define_module(nanobind::module_& m, const char* name, entry_fn entry);

}  // namespace lambdakit::python
