#include "runtime/runtime_api/runtime_error.h"

#include <string>

#include "base/error_category.h"

namespace lambdakit::runtime {
namespace {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::api_unreachable:
      return "the Runtime API is unreachable";
    case errc::container_error:
      return "the Runtime API reported a container error; the runtime must exit";
    case errc::unexpected_status:
      return "the Runtime API answered with an unexpected status";
    case errc::protocol_error:
      return "the Runtime API sent a malformed HTTP response";
    case errc::malformed_invocation:
      return "the Runtime API sent an invocation without a request id";
    case errc::rejected:
      return "the Runtime API rejected the post";
    case errc::response_too_large:
      return "the response is larger than Lambda accepts";
    case errc::stream_broken:
      return "the response stream broke";
  }
  return "unknown runtime error";
}

}  // namespace

const std::error_category& runtime_category() noexcept {
  static const base::enum_category<errc> instance("lambdakit.runtime", describe);
  return instance;
}

bool is_fatal(const std::error_code& ec) noexcept {
  if (ec.category() != runtime_category()) return true;
  switch (static_cast<errc>(ec.value())) {
    case errc::rejected:
    case errc::response_too_large:
    case errc::stream_broken:
      return false;
    default:
      return true;
  }
}

}  // namespace lambdakit::runtime
