#include "python/errors.h"

#include <string>

namespace lambdakit::python {
namespace {

// {type name: exception class}, alive for the interpreter's life (modules are never unloaded).
PyObject* classes() {
  static PyObject* dict = PyDict_New();
  return dict;
}

// The class for `type`, new reference. PyErr_NewException takes "module.name" and splits at
// the last dot, so names with dots ("Runtime.Unknown") get their __name__ set afterwards.
PyObject* class_for(const std::string& type) {
  PyObject* dict = classes();
  if (dict == nullptr) return nullptr;
  if (PyObject* c = PyDict_GetItemString(dict, type.c_str())) return Py_NewRef(c);  // borrowed
  ref cls(PyErr_NewException("lambdakit.function_error", PyExc_Exception, nullptr));
  if (!cls) return nullptr;
  ref name(PyUnicode_DecodeUTF8(type.data(), static_cast<Py_ssize_t>(type.size()), "replace"));
  if (!name || PyObject_SetAttrString(cls.get(), "__name__", name.get()) != 0 ||
      PyObject_SetAttrString(cls.get(), "__qualname__", name.get()) != 0)
    return nullptr;
  if (PyDict_SetItemString(dict, type.c_str(), cls.get()) != 0) return nullptr;
  return cls.release();
}

}  // namespace

void set_function_error(const function_error& e) {
  ref cls(class_for(e.type.empty() ? std::string("Error") : e.type));
  if (!cls) return;
  ref message(
      PyUnicode_DecodeUTF8(e.message.data(), static_cast<Py_ssize_t>(e.message.size()), "replace"));
  if (!message) return;
  ref instance(PyObject_CallFunctionObjArgs(cls.get(), message.get(), nullptr));
  if (!instance) return;
  ref trace(PyList_New(0));
  if (!trace) return;
  for (const auto& line : e.stack_trace) {
    ref s(PyUnicode_DecodeUTF8(line.data(), static_cast<Py_ssize_t>(line.size()), "replace"));
    if (!s || PyList_Append(trace.get(), s.get()) != 0) return;
  }
  if (PyObject_SetAttrString(instance.get(), "stack_trace", trace.get()) != 0) return;
  PyErr_SetObject(cls.get(), instance.get());
}

}  // namespace lambdakit::python
