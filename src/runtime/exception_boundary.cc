#include "runtime/exception_boundary.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

namespace lambdakit::runtime {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

}  // namespace

function_error current_exception_error() noexcept {
  try {
    function_error e;
    const std::type_info* type = abi::__cxa_current_exception_type();
    e.type = type != nullptr ? demangle(type->name()) : "unknown";
    try {
      throw;
    } catch (const std::exception& ex) {
      e.message = ex.what();
    } catch (const char* s) {
      e.message = s != nullptr ? s : "";
    } catch (...) {
      e.message = "the handler threw a " + e.type + ", which is not a std::exception";
    }
    return e;
  } catch (...) {  // std::bad_alloc while describing the error
    return function_error{"std::bad_alloc", "out of memory while reporting an exception", {}};
  }
}

outcome call_handler(const std::function<outcome(const invocation&)>& h,
                     const invocation& inv) noexcept {
  try {
    return h(inv);
  } catch (...) {
    return current_exception_error();
  }
}

}  // namespace lambdakit::runtime
