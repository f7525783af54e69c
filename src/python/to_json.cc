#include "python/to_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>
#include <vector>

namespace lambdakit::python {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Appends the bytes of valid UTF-8 text (Python made it), escaped as JSON needs: ", \ and
// control characters; runs without them are copied at once.
void append_escaped(std::string& out, std::string_view s) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(hex_digits[c >> 4U]);
        out.push_back(hex_digits[c & 15U]);
    }
  }
  out.append(s.data() + run, s.size() - run);
}

// A str as a JSON string. PyUnicode_AsUTF8AndSize refuses lone surrogates; those strings take
// the slow path: UTF-8 with surrogatepass, whose 3-byte surrogate sequences become \uXXXX.
bool append_str(std::string& out, PyObject* s) {
  Py_ssize_t n = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(s, &n);
  if (utf8 != nullptr) {
    out.push_back('"');
    append_escaped(out, std::string_view(utf8, static_cast<std::size_t>(n)));
    out.push_back('"');
    return true;
  }
  if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return false;
  PyErr_Clear();
  ref bytes(PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass"));
  if (!bytes) return false;
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(bytes.get(), &data, &size) != 0) return false;
  std::string_view all(data, static_cast<std::size_t>(size));
  // Escape each surrogate; the runs between them are valid UTF-8.
  out.push_back('"');
  std::size_t start = 0;
  auto flush = [&](std::size_t end) { append_escaped(out, all.substr(start, end - start)); };
  for (std::size_t i = 0; i + 2 < all.size(); ++i) {
    auto b0 = static_cast<unsigned char>(all[i]);
    auto b1 = static_cast<unsigned char>(all[i + 1]);
    if (b0 == 0xED && b1 >= 0xA0 && b1 <= 0xBF) {
      flush(i);
      unsigned cp =
          0xD000U | ((b1 & 0x3FU) << 6U) | (static_cast<unsigned char>(all[i + 2]) & 0x3FU);
      out.append("\\u");
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex_digits[(cp >> shift) & 15U]);
      i += 2;
      start = i + 1;
    }
  }
  flush(all.size());
  out.push_back('"');
  return true;
}

// float.__repr__, which is what json.dumps writes: CPython's own shortest-digits formatting.
// (std::to_chars gives the same digits a little faster but adds ~130 KB of tables to the module.)
bool append_float(std::string& out, double d) {
  if (!std::isfinite(d)) {
    PyErr_Format(PyExc_ValueError, "Out of range float values are not JSON compliant: %s",
                 std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf"));
    return false;
  }
  char* text = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, nullptr);
  if (text == nullptr) return false;
  out.append(text);
  PyMem_Free(text);
  return true;
}

bool append_int(std::string& out, PyObject* o) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow == 0) {
    if (v == -1 && PyErr_Occurred() != nullptr) return false;
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(end - buf));
    return true;
  }
  // Beyond 64 bits: the digits, as json.dumps writes them (int.__repr__, which raises
  // ValueError past sys.get_int_max_str_digits()). A valid event can hold such numbers.
  ref digits(PyObject_CallMethod(reinterpret_cast<PyObject*>(&PyLong_Type), "__repr__", "O", o));
  if (!digits) return false;
  Py_ssize_t n = 0;
  const char* text = PyUnicode_AsUTF8AndSize(digits.get(), &n);
  if (text == nullptr) return false;
  out.append(text, static_cast<std::size_t>(n));
  return true;
}

class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}

  bool value(PyObject* o) {
    if (o == Py_None) return literal("null");
    if (o == Py_True) return literal("true");
    if (o == Py_False) return literal("false");
    if (PyUnicode_Check(o)) return append_str(out_, o);
    if (PyLong_Check(o)) return append_int(out_, o);
    if (PyFloat_Check(o)) {
      double d = PyFloat_AsDouble(o);
      if (d == -1.0 && PyErr_Occurred() != nullptr) return false;
      return append_float(out_, d);
    }
    if (PyDict_Check(o)) return container(o, &writer::dict);
    if (PyList_Check(o) || PyTuple_Check(o)) return container(o, &writer::sequence);
    PyErr_Format(PyExc_TypeError, "Object of type %s is not JSON serializable",
                 type_name(o).c_str());
    return false;
  }

 private:
  bool literal(std::string_view s) {
    out_.append(s);
    return true;
  }

  static std::string type_name(PyObject* o) {
    ref name(PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(o)), "__name__"));
    const char* s = name ? PyUnicode_AsUTF8AndSize(name.get(), nullptr) : nullptr;
    if (s == nullptr) {
      PyErr_Clear();
      return "?";
    }
    return s;
  }

  // Guards a dict or list: cycles as json reports them, depth by the recursion limit.
  bool container(PyObject* o, bool (writer::*body)(PyObject*)) {
    if (std::find(on_path_.begin(), on_path_.end(), o) != on_path_.end()) {
      PyErr_SetString(PyExc_ValueError, "Circular reference detected");
      return false;
    }
    if (Py_EnterRecursiveCall(" while converting the event to JSON") != 0) return false;
    on_path_.push_back(o);
    bool ok = (this->*body)(o);
    on_path_.pop_back();
    Py_LeaveRecursiveCall();
    return ok;
  }

  bool dict(PyObject* o) {
    out_.push_back('{');
    Py_ssize_t pos = 0;
    PyObject* key = nullptr;
    PyObject* val = nullptr;
    bool first = true;
    while (PyDict_Next(o, &pos, &key, &val)) {  // borrowed references
      if (!first) out_.push_back(',');
      first = false;
      if (!this->key(key)) return false;
      out_.push_back(':');
      Py_INCREF(val);  // keep it alive while it is converted
      ref hold(val);
      if (!value(val)) return false;
    }
    out_.push_back('}');
    return true;
  }

  // json.dumps's key rules: str as is; int, float, bool, None as their JSON text, quoted.
  bool key(PyObject* k) {
    if (PyUnicode_Check(k)) return append_str(out_, k);
    std::string text;
    if (k == Py_True) {
      text = "true";
    } else if (k == Py_False) {
      text = "false";
    } else if (k == Py_None) {
      text = "null";
    } else if (PyLong_Check(k)) {
      if (!append_int(text, k)) return false;
    } else if (PyFloat_Check(k)) {
      double d = PyFloat_AsDouble(k);
      if (d == -1.0 && PyErr_Occurred() != nullptr) return false;
      if (!append_float(text, d)) return false;
    } else {
      PyErr_Format(PyExc_TypeError, "keys must be str, int, float, bool or None, not %s",
                   type_name(k).c_str());
      return false;
    }
    out_.push_back('"');
    out_.append(text);
    out_.push_back('"');
    return true;
  }

  bool sequence(PyObject* o) {
    bool list = PyList_Check(o);
    out_.push_back('[');
    for (Py_ssize_t i = 0; i < (list ? PyList_Size(o) : PyTuple_Size(o)); ++i) {
      if (i > 0) out_.push_back(',');
      PyObject* item = list ? PyList_GetItem(o, i) : PyTuple_GetItem(o, i);  // borrowed
      if (item == nullptr) return false;
      Py_INCREF(item);
      ref hold(item);
      if (!value(item)) return false;
    }
    out_.push_back(']');
    return true;
  }

  std::string& out_;
  std::vector<PyObject*> on_path_;  // the containers being written, outermost first
};

}  // namespace

bool append_json(std::string& out, PyObject* o) {
  return writer(out).value(o);
}

}  // namespace lambdakit::python
