#include "runtime/embedding.h"

namespace lambdakit::runtime {
namespace {
capture_fn installed = nullptr;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
}  // namespace

capture_fn set_capture(capture_fn c) noexcept {
  capture_fn previous = installed;
  installed = c;
  return previous;
}

capture_fn current_capture() noexcept {
  return installed;
}

}  // namespace lambdakit::runtime
