// libgreeting.so: a C++ shared library shipped as a Lambda layer. Nothing in it knows about
// Lambda; the function that uses it finds it in /opt/lib through LD_LIBRARY_PATH.
#include "greeting.h"

namespace greeting {

std::string describe(std::string_view payload) {
  return R"({"greeting":"Hello from a layer","library":"libgreeting 1.0","payload_bytes":)" +
         std::to_string(payload.size()) + "}";
}

}  // namespace greeting
