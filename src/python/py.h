// The CPython API as src/python/ uses it: Python.h first (as CPython requires), and an owning
// reference for the objects the converters create.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <utility>

namespace lambdakit::python {

// A strong reference, released at scope end. Null means "a Python exception is set".
class ref {
 public:
  ref() = default;
  explicit ref(PyObject* o) noexcept : o_(o) {}  // takes ownership of a new reference
  ref(const ref&) = delete;
  ref& operator=(const ref&) = delete;
  ref(ref&& other) noexcept : o_(std::exchange(other.o_, nullptr)) {}
  ref& operator=(ref&& other) noexcept {
    std::swap(o_, other.o_);
    return *this;
  }
  ~ref() { Py_XDECREF(o_); }

  PyObject* get() const noexcept { return o_; }
  PyObject* release() noexcept { return std::exchange(o_, nullptr); }
  explicit operator bool() const noexcept { return o_ != nullptr; }

 private:
  PyObject* o_ = nullptr;
};

}  // namespace lambdakit::python
