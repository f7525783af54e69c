// Choosing the transport: the one place that looks at the environment to learn how this binary
// was started (design §1). Adding a way to start is one row in transports.cc.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "runtime/transport.h"

namespace lambdakit::runtime {

// The transport the environment asks for, in this order: LAMBDAKIT_STDIO (a stdio host's
// explicit marker: it wins over the Runtime API variables the host itself inherited), then
// __OW_PROXY_VERSION (OpenWhisk's ActionLoop proxy), _LAMBDA_SERVER_PORT (go1.x; aws-lambda-go
// also checks it first), then AWS_LAMBDA_RUNTIME_API (the Runtime API). Fails with
// std::errc::invalid_argument when a variable is set but unusable (the message names it and the
// expected form), and with std::errc::no_such_device_or_address when none is set (the message
// names every way the binary can be started).
result<std::unique_ptr<transport>> transport_from_environment();

}  // namespace lambdakit::runtime
