// result<T>: the value of an operation that can fail in an expected way, or the failure.
//
// One error currency for wire/ and runtime/: a std::error_code (for branching) plus a detail
// string (for people). Exceptions are kept for the user-handler boundary and for bugs.
#pragma once

#include <cassert>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace lambdakit {

// A failure: a code to branch on and a message a user can act on.
struct failure {
  std::error_code code;
  std::string detail;  // what exactly went wrong and, where known, the fix

  // "<code message>: <detail>", or the code's message alone.
  std::string message() const {
    return detail.empty() ? code.message() : code.message() + ": " + detail;
  }
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(failure f) : v_(std::in_place_index<1>, std::move(f)) {}    // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }

  const failure& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  failure&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, failure> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(failure f) : f_(std::move(f)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const failure& error() const& {
    assert(!ok_);
    return f_;
  }
  failure&& error() && {
    assert(!ok_);
    return std::move(f_);
  }

 private:
  failure f_;
  bool ok_ = true;
};

inline failure make_failure(std::error_code code, std::string detail = {}) {
  return failure{code, std::move(detail)};
}

}  // namespace lambdakit
