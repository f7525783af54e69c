// PyInit_<LAMBDAKIT_PYTHON_MODULE_NAME>: compiled once into each function module, with the
// module's name (the CMake target's) defined on the command line. The function's entry is its
// own main(), unchanged, or the one LAMBDAKIT_PYTHON_MODULE (lambdakit/python.h) defines; both
// are found as weak symbols, and the module's version script keeps main() local so it never
// binds to the interpreter's.
#include <nanobind/nanobind.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "python/module.h"

#ifndef LAMBDAKIT_PYTHON_MODULE_NAME
#error "define LAMBDAKIT_PYTHON_MODULE_NAME (lambdakit_add_function does)"
#endif
#define LAMBDAKIT_STR2(x) #x
#define LAMBDAKIT_STR(x) LAMBDAKIT_STR2(x)

extern "C" __attribute__((weak)) int lambdakit_python_main(int argc, char** argv);
extern "C" __attribute__((weak)) const char lambdakit_python_module_name[];
__attribute__((weak)) int lambdakit_function_main(int argc, char** argv) __asm__("main");

NB_MODULE(LAMBDAKIT_PYTHON_MODULE_NAME, m) {
  const char* name = LAMBDAKIT_STR(LAMBDAKIT_PYTHON_MODULE_NAME);
  lambdakit::python::entry_fn entry = lambdakit_function_main;
  if (lambdakit_python_main != nullptr) {
    if (std::strcmp(lambdakit_python_module_name, name) != 0) {
      throw std::runtime_error(std::string("lambdakit: LAMBDAKIT_PYTHON_MODULE names module ") +
                               lambdakit_python_module_name + ", but it is built as " + name +
                               ": use the target's name in both");
    }
    entry = lambdakit_python_main;
  }
  lambdakit::python::define_module(m, name, entry);
}
