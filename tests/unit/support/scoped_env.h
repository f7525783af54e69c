// Sets (or unsets) one environment variable for the life of a scope, then restores it.
// Tests that read the environment (PATH, HOME, LAMBDAKIT_*) use it so they see only what they
// set, whatever the machine's environment holds.
#pragma once

#include <stdlib.h>

#include <optional>
#include <string>
#include <utility>

namespace lambdakit::testing {

class scoped_env {
 public:
  // `value` nullopt: the variable is unset.
  scoped_env(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  ~scoped_env() { set(old_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  void set(const std::optional<std::string>& v) {
    if (v) {
      ::setenv(name_.c_str(), v->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace lambdakit::testing
