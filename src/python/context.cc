#include "python/context.h"

#include <chrono>
#include <cstdlib>
#include <string>

#include "python/to_json.h"

namespace lambdakit::python {
namespace {

const char* const expected =
    ": handler(event, context) expects Lambda's context object (aws_request_id, "
    "invoked_function_arn, get_remaining_time_in_millis())";

// A required str attribute.
bool read_str(PyObject* context, const char* name, std::string& out) {
  ref v(PyObject_GetAttrString(context, name));
  if (!v || !PyUnicode_Check(v.get())) {
    PyErr_Format(PyExc_TypeError, "context.%s %s%s", name, v ? "is not a str" : "is missing",
                 expected);
    return false;
  }
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(v.get(), &n);
  if (s == nullptr) return false;
  out.assign(s, static_cast<std::size_t>(n));
  return true;
}

// An optional attribute; null (no exception) when absent or None.
ref optional_attr(PyObject* o, const char* name) {
  ref v(PyObject_GetAttrString(o, name));
  if (!v) {
    PyErr_Clear();
    return {};
  }
  if (v.get() == Py_None) return {};
  return v;
}

// Builds a dict of `o`'s attributes `names` (JSON name = Python name, or the pair given).
bool set_from_attrs(PyObject* dict, PyObject* o, const char* const* names) {
  for (const char* const* n = names; *n != nullptr; n += 2) {
    ref v = optional_attr(o, n[1]);
    if (v && PyDict_SetItemString(dict, n[0], v.get()) != 0) return false;
  }
  return true;
}

// awslambdaric's ClientContext (client, custom, env) back to the JSON the Runtime API carried:
// {"client":{"installation_id":...},"custom":...,"env":...}. A dict is taken as that JSON.
bool read_client_context(PyObject* context, std::string& out) {
  ref cc = optional_attr(context, "client_context");
  if (!cc) return true;
  if (PyDict_Check(cc.get())) return append_json(out, cc.get());
  ref dict(PyDict_New());
  if (!dict) return false;
  if (ref client = optional_attr(cc.get(), "client")) {
    static const char* const client_names[] = {"installation_id",
                                               "installation_id",
                                               "app_title",
                                               "app_title",
                                               "app_version_name",
                                               "app_version_name",
                                               "app_version_code",
                                               "app_version_code",
                                               "app_package_name",
                                               "app_package_name",
                                               nullptr};
    ref c(PyDict_New());
    if (!c || !set_from_attrs(c.get(), client.get(), client_names)) return false;
    if (PyDict_SetItemString(dict.get(), "client", c.get()) != 0) return false;
  }
  static const char* const names[] = {"custom", "custom", "env", "env", nullptr};
  if (!set_from_attrs(dict.get(), cc.get(), names)) return false;
  return append_json(out, dict.get());
}

// CognitoIdentity (cognito_identity_id, cognito_identity_pool_id) back to the Runtime API's
// {"cognitoIdentityId":...,"cognitoIdentityPoolId":...}; empty when both are None.
bool read_identity(PyObject* context, std::string& out) {
  ref identity = optional_attr(context, "identity");
  if (!identity) return true;
  if (PyDict_Check(identity.get())) return append_json(out, identity.get());
  static const char* const names[] = {"cognitoIdentityId", "cognito_identity_id",
                                      "cognitoIdentityPoolId", "cognito_identity_pool_id", nullptr};
  ref dict(PyDict_New());
  if (!dict || !set_from_attrs(dict.get(), identity.get(), names)) return false;
  if (PyDict_Size(dict.get()) == 0) return true;
  return append_json(out, dict.get());
}

}  // namespace

bool read_context(PyObject* context, invocation& inv) {
  if (context == Py_None) {
    PyErr_Format(PyExc_TypeError, "context is None%s", expected);
    return false;
  }
  if (!read_str(context, "aws_request_id", inv.request_id)) return false;
  if (!read_str(context, "invoked_function_arn", inv.function_arn)) return false;
  ref remaining(PyObject_CallMethod(context, "get_remaining_time_in_millis", nullptr));
  if (!remaining) {
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
      PyErr_Clear();
      PyErr_Format(PyExc_TypeError, "context.get_remaining_time_in_millis is missing%s", expected);
    }
    return false;
  }
  long long ms = PyLong_Check(remaining.get()) ? PyLong_AsLongLong(remaining.get()) : -1;
  if (ms == -1 && PyErr_Occurred() == nullptr && !PyLong_Check(remaining.get())) {
    PyErr_Format(PyExc_TypeError, "context.get_remaining_time_in_millis() is not an int%s",
                 expected);
  }
  if (PyErr_Occurred() != nullptr) return false;
  inv.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(ms);
  if (!read_client_context(context, inv.client_context)) return false;
  if (!read_identity(context, inv.cognito_identity)) return false;
  if (ref tenant = optional_attr(context, "tenant_id"); tenant && PyUnicode_Check(tenant.get())) {
    const char* s = PyUnicode_AsUTF8AndSize(tenant.get(), nullptr);
    if (s == nullptr) return false;
    inv.tenant_id = s;
  }
  if (const char* trace = std::getenv("_X_AMZN_TRACE_ID")) inv.xray_trace_id = trace;
  return true;
}

}  // namespace lambdakit::python
