// result<T, E>: the value of an operation that can fail in an expected way, or the failure.
//
// lambdakit's error currency. E defaults to `failure` (a std::error_code to branch on plus a
// detail string for people), which wire/, runtime/, package/ and build/ use throughout; a layer
// with errors of its own shape (the Lambda API's typed errors in platform/api) sets E instead.
// Exceptions are kept for the user-handler boundary and for bugs.
#pragma once

#include <cassert>
#include <cerrno>
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

template <class T, class E = failure>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = E;

  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(E f) : v_(std::in_place_index<1>, std::move(f)) {}          // NOLINT: implicit by design

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
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  E&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  result() = default;
  result(E f) : f_(std::move(f)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const& {
    assert(!ok_);
    return f_;
  }
  E&& error() && {
    assert(!ok_);
    return std::move(f_);
  }

 private:
  E f_{};
  bool ok_ = true;
};

inline failure make_failure(std::error_code code, std::string detail = {}) {
  return failure{code, std::move(detail)};
}

// The calling thread's errno as an error code, for failures of POSIX calls.
inline std::error_code errno_code() noexcept {
  return {errno, std::system_category()};
}

}  // namespace lambdakit
