// LAMBDAKIT_PYTHON_MODULE: the entry of a function that is only ever a Python extension module
// (a source with no main()). A source with main() needs nothing: built with
// lambdakit_add_function(... RUNTIME python3.12), its main() runs at import and the handler it
// passes to lambdakit::run becomes <module>.handler (docs/python.md).
//
//   #include <lambdakit/lambdakit.h>
//   #include <lambdakit/python.h>
//   lambdakit::outcome handle(const lambdakit::invocation& inv) { ... }
//   LAMBDAKIT_PYTHON_MODULE(hello, handle)   // hello: the CMake target, so hello.abi3.so
#pragma once

#include "lambdakit/run.h"

#define LAMBDAKIT_PYTHON_MODULE(name, handler)                  \
  extern "C" const char lambdakit_python_module_name[] = #name; \
  extern "C" int lambdakit_python_main(int, char**) {           \
    return ::lambdakit::run(handler);                           \
  }
