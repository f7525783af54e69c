#include "python/module.h"

#include <nanobind/nanobind.h>

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "python/context.h"
#include "python/errors.h"
#include "python/from_json.h"
#include "python/to_json.h"
#include "runtime/embedding.h"
#include "runtime/exception_boundary.h"

namespace nb = nanobind;

namespace lambdakit::python {
namespace {

// The function main() handed to run(). One per module (one module per shared object).
std::optional<runtime::embedded_function>& captured() {
  static std::optional<runtime::embedded_function> f;
  return f;
}

void capture(runtime::embedded_function&& f) {
  if (!captured()) captured() = std::move(f);  // the first run() wins, as in a binary
}

// A streaming handler's chunks, gathered: the Python runtime answers with one response.
class gathering_writer final : public response_writer {
 public:
  void set_content_type(std::string_view t) override { content_type = t; }
  bool write(std::string_view chunk) override {
    body.append(chunk);
    return true;
  }
  std::string content_type = "application/octet-stream";
  std::string body;
};

struct answer {
  std::optional<response> r;
  std::optional<function_error> error;
};

// Calls the handler; the GIL is not held (nothing here may touch Python).
answer call(const runtime::embedded_function& f, const invocation& inv) {
  answer a;
  if (f.plain) {
    outcome o = runtime::call_handler(f.plain, inv);
    if (o.is_success()) {
      a.r = o.get_response();
    } else {
      a.error = o.get_error();
    }
  } else {
    gathering_writer w;
    try {
      f.streaming(inv, w);
      a.r = response::bytes(std::move(w.body), std::move(w.content_type));
    } catch (...) {
      a.error = runtime::current_exception_error();
    }
  }
  std::fflush(stdout);  // what the handler printed reaches the log with this invoke
  std::fflush(stderr);
  return a;
}

bool is_json(const std::string& content_type) {
  return content_type.rfind("application/json", 0) == 0;
}

// The response as Python objects: JSON parsed, text/* as str, anything else as bytes (which
// the Python runtime passes through unchanged).
PyObject* to_python(const response& r) {
  const std::string& body = r.body();
  if (is_json(r.content_type())) {
    if (body.empty()) return Py_NewRef(Py_None);  // response(): no body
    return parse_json(body);
  }
  if (r.content_type().rfind("text/", 0) == 0)
    return PyUnicode_DecodeUTF8(body.data(), static_cast<Py_ssize_t>(body.size()), nullptr);
  return PyBytes_FromStringAndSize(body.data(), static_cast<Py_ssize_t>(body.size()));
}

// Calls the handler with `inv` (its payload set) and the GIL released; raises its error.
response answer_for(invocation& inv, nb::handle context) {
  if (!read_context(context.ptr(), inv)) throw nb::python_error();
  answer a;
  {
    nb::gil_scoped_release released;  // other Python threads run while the C++ handler does
    a = call(*captured(), inv);
  }
  if (a.error) {
    set_function_error(*a.error);
    throw nb::python_error();
  }
  return std::move(*a.r);
}

nb::object handler(nb::handle event, nb::handle context) {
  invocation inv;
  if (!append_json(inv.payload, event.ptr())) throw nb::python_error();
  PyObject* result = to_python(answer_for(inv, context));
  if (result == nullptr) throw nb::python_error();
  return nb::steal(result);
}

// The handler on JSON text: the payload as given, the body as it came back (bytes). For callers
// that hold the event's JSON already, and for measuring what the conversions cost.
nb::object handler_json(nb::handle event_json, nb::handle context) {
  invocation inv;
  Py_ssize_t n = 0;
  const char* text =
      PyUnicode_Check(event_json.ptr()) ? PyUnicode_AsUTF8AndSize(event_json.ptr(), &n) : nullptr;
  if (text == nullptr) {
    if (PyErr_Occurred() == nullptr)
      PyErr_SetString(PyExc_TypeError,
                      "handler_json(event_json, context): event_json must be a str");
    throw nb::python_error();
  }
  inv.payload.assign(text, static_cast<std::size_t>(n));
  response r = answer_for(inv, context);
  return nb::steal(
      PyBytes_FromStringAndSize(r.body().data(), static_cast<Py_ssize_t>(r.body().size())));
}

}  // namespace

void define_module(nb::module_& m, const char* name, entry_fn entry) {
  nb::set_leak_warnings(false);
  if (entry == nullptr) {
    throw std::runtime_error(std::string("lambdakit: module ") + name +
                             " has neither main() nor LAMBDAKIT_PYTHON_MODULE: define one "
                             "that calls lambdakit::run(handler)");
  }
  runtime::capture_fn previous = runtime::set_capture(capture);
  std::string arg0 = name;
  char* argv[] = {arg0.data(), nullptr};
  int rc = 0;
  {
    nb::gil_scoped_release released;
    rc = entry(1, argv);
  }
  runtime::set_capture(previous);
  if (!captured()) {
    throw std::runtime_error(std::string("lambdakit: main() of module ") + name + " returned " +
                             std::to_string(rc) +
                             " without calling lambdakit::run(handler), so there is no handler");
  }
  if (const auto& init = captured()->options.init) {  // Lambda's Init phase is the import
    std::optional<function_error> failed;
    {
      nb::gil_scoped_release released;
      try {
        init();
      } catch (...) {
        failed = runtime::current_exception_error();
      }
      std::fflush(stdout);
      std::fflush(stderr);
    }
    if (failed) {
      std::fprintf(stderr, "lambdakit: Init failed: %s: %s\n", failed->type.c_str(),
                   failed->message.c_str());
      throw std::runtime_error("lambdakit: Init failed: " + failed->type + ": " + failed->message);
    }
  }
  m.def("handler", &handler, nb::arg("event").none(), nb::arg("context").none(),
        "Lambda's entry point: handler(event, context), as the Python runtime calls it.");
  m.def("handler_json", &handler_json, nb::arg("event_json"), nb::arg("context").none(),
        "The handler on JSON text: handler_json('{\"a\":1}', context) -> the response body "
        "(bytes), unconverted.");
}

}  // namespace lambdakit::python
