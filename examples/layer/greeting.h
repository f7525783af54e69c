// The library the layer example ships in a Lambda layer (lib/libgreeting.so, /opt/lib on
// Lambda) and the function links against.
#pragma once

#include <string>
#include <string_view>

namespace greeting {

// {"greeting":"Hello from a layer","library":"<this library's version>","payload_bytes":N}
std::string describe(std::string_view payload);

}  // namespace greeting
