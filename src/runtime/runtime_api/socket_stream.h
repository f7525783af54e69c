// The real byte stream: a TCP connection to the Runtime API.
#pragma once

#include <memory>

#include "runtime/runtime_api/endpoint.h"
#include "runtime/runtime_api/stream.h"

namespace lambdakit::runtime {

// Connects to `ep` with TCP_NODELAY (the runtime writes a head then waits for an answer).
// Numeric addresses and "localhost" are resolved without NSS, so static binaries need no
// libnss at run time; other names go through getaddrinfo.
std::unique_ptr<connector> make_tcp_connector(endpoint ep);

}  // namespace lambdakit::runtime
