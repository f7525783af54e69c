#include "python/from_json.h"

#include <charconv>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace lambdakit::python {
namespace {

constexpr int max_depth = 10000;

class parser {
 public:
  explicit parser(std::string_view text) : s_(text) {}
  parser(const parser&) = delete;
  parser& operator=(const parser&) = delete;
  ~parser() {
    for (auto& [text, key] : keys_) Py_DECREF(key);
  }

  PyObject* document() {
    skip_space();
    ref v(value(0));
    if (!v) return nullptr;
    skip_space();
    if (i_ != s_.size()) return fail("extra data after the value");
    return v.release();
  }

 private:
  PyObject* fail(const char* what) {
    if (PyErr_Occurred() == nullptr) {
      PyErr_Format(PyExc_ValueError, "the handler's response is not valid JSON: %s at byte %zd",
                   what, static_cast<Py_ssize_t>(i_));
    }
    return nullptr;
  }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool eat(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  PyObject* value(int depth) {
    if (i_ >= s_.size()) return fail("expected a value, found the end");
    switch (s_[i_]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string(false);
      case 't':
        if (eat("true")) return Py_NewRef(Py_True);
        break;
      case 'f':
        if (eat("false")) return Py_NewRef(Py_False);
        break;
      case 'n':
        if (eat("null")) return Py_NewRef(Py_None);
        break;
      default:
        if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return number();
        break;
    }
    if (eat("NaN") || eat("Infinity") || eat("-Infinity")) {
      i_ -= 3;
      return fail("NaN and Infinity are not JSON");
    }
    return fail("expected a value");
  }

  PyObject* object(int depth) {
    if (depth > max_depth) return fail("nested too deeply");
    ++i_;  // {
    ref dict(PyDict_New());
    if (!dict) return nullptr;
    skip_space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return dict.release();
    }
    for (;;) {
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a string key");
      ref key(string(true));
      if (!key) return nullptr;
      skip_space();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
      ++i_;
      skip_space();
      ref v(value(depth));
      if (!v) return nullptr;
      if (PyDict_SetItem(dict.get(), key.get(), v.get()) != 0) return nullptr;
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return dict.release();
      }
      return fail("expected ',' or '}'");
    }
  }

  PyObject* array(int depth) {
    if (depth > max_depth) return fail("nested too deeply");
    ++i_;  // [
    ref list(PyList_New(0));
    if (!list) return nullptr;
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return list.release();
    }
    for (;;) {
      skip_space();
      ref v(value(depth));
      if (!v) return nullptr;
      if (PyList_Append(list.get(), v.get()) != 0) return nullptr;
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return list.release();
      }
      return fail("expected ',' or ']'");
    }
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(unsigned& cp) {
    if (i_ + 4 > s_.size()) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      int d = hex_digit(s_[i_ + static_cast<std::size_t>(k)]);
      if (d < 0) return false;
      cp = (cp << 4U) | static_cast<unsigned>(d);
    }
    i_ += 4;
    return true;
  }

  // Code points as UTF-8; a lone surrogate as its 3-byte form, which "surrogatepass" decodes.
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
      out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
      out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
      out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
    } else {
      out.push_back(static_cast<char>(0xF0U | (cp >> 18U)));
      out.push_back(static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU)));
      out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
      out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
    }
  }

  PyObject* string(bool is_key) {
    std::size_t start = ++i_;  // after the quote
    while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' &&
           static_cast<unsigned char>(s_[i_]) >= 0x20)
      ++i_;
    if (i_ >= s_.size()) return fail("unterminated string");
    if (s_[i_] == '"') {  // no escapes: the common case
      std::string_view text = s_.substr(start, i_ - start);
      ++i_;
      return is_key ? key(text) : decode(text);
    }
    std::string text(s_.substr(start, i_ - start));
    for (;;) {
      if (i_ >= s_.size()) return fail("unterminated string");
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        text.push_back(c);
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) return fail("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          text.push_back(e);
          break;
        case 'b':
          text.push_back('\b');
          break;
        case 'f':
          text.push_back('\f');
          break;
        case 'n':
          text.push_back('\n');
          break;
        case 'r':
          text.push_back('\r');
          break;
        case 't':
          text.push_back('\t');
          break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return fail("invalid \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            std::size_t save = i_;
            i_ += 2;
            unsigned low = 0;
            if (hex4(low) && low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10U) + (low - 0xDC00);
            } else {
              i_ = save;  // a lone high surrogate, then another escape
            }
          }
          append_utf8(text, cp);
          break;
        }
        default:
          --i_;
          return fail("invalid escape");
      }
    }
    return is_key ? key(text) : decode(text);
  }

  static PyObject* decode(std::string_view text) {
    return PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "surrogatepass");
  }

  // One str per distinct key text, shared by every dict of this document.
  PyObject* key(std::string_view text) {
    if (auto it = keys_.find(text); it != keys_.end()) return Py_NewRef(it->second);
    PyObject* k = decode(text);
    if (k == nullptr) return nullptr;
    keys_.emplace(std::string(text), Py_NewRef(k));
    return k;
  }

  PyObject* number() {
    std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      std::size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return fail("expected a digit");
    }
    bool integer = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      integer = false;
      if (digits() == 0) return fail("expected a digit after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      integer = false;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return fail("expected a digit in the exponent");
    }
    std::string_view number_text = s_.substr(start, i_ - start);
    if (integer && number_text.size() <= 18) {  // fits a long long: no copy
      long long v = 0;
      std::from_chars(number_text.data(), number_text.data() + number_text.size(), v);
      return PyLong_FromLongLong(v);
    }
    std::string text(number_text);  // NUL-terminated for CPython's parsers
    if (integer) return PyLong_FromString(text.c_str(), nullptr, 10);  // any size, as json.loads
    double d = PyOS_string_to_double(text.c_str(), nullptr, nullptr);  // 1e400 is inf, as json
    if (d == -1.0 && PyErr_Occurred() != nullptr) return nullptr;
    return PyFloat_FromDouble(d);
  }

  std::string_view s_;
  std::size_t i_ = 0;
  // Looked up by string_view (no copy per key): a transparent hash and equality.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const noexcept {
      return std::hash<std::string_view>{}(k);
    }
  };
  std::unordered_map<std::string, PyObject*, key_hash, std::equal_to<>> keys_;
};

}  // namespace

PyObject* parse_json(std::string_view text) {
  return parser(text).document();
}

}  // namespace lambdakit::python
