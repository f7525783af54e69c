// lambdakit::outcome: what a handler returns: a response, or a function error.
#pragma once

#include <utility>
#include <variant>

#include "lambdakit/function_error.h"
#include "lambdakit/response.h"

namespace lambdakit {

class outcome {
 public:
  outcome(response r)
      : v_(std::move(r)) {}  // NOLINT(google-explicit-constructor): a handler returns either
  outcome(function_error e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  bool is_success() const { return v_.index() == 0; }
  const response& get_response() const { return std::get<0>(v_); }
  const function_error& get_error() const { return std::get<1>(v_); }

 private:
  std::variant<response, function_error> v_;
};

}  // namespace lambdakit
