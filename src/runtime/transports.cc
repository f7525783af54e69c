#include "runtime/transports.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "base/parse.h"
#include "runtime/go1x/rpc_transport.h"
#include "runtime/runtime_api/endpoint.h"
#include "runtime/runtime_api/runtime_client.h"
#include "runtime/runtime_api/socket_stream.h"
#include "runtime/stdio/actionloop_transport.h"
#include "runtime/stdio/frame_transport.h"

namespace lambdakit::runtime {
namespace {

result<std::unique_ptr<transport>> open_runtime_api(const char* value) {
  auto ep = parse_endpoint(value);
  if (!ep) return std::move(ep).error();
  return std::unique_ptr<transport>(
      std::make_unique<runtime_client>(make_tcp_connector(std::move(ep).value())));
}

result<std::unique_ptr<transport>> open_go1x(const char* value) {
  auto port = base::parse_integer(value, 1, 65535);
  if (!port) {
    return make_failure(std::make_error_code(std::errc::invalid_argument),
                        "_LAMBDA_SERVER_PORT is \"" + std::string(value) +
                            "\"; it must be a TCP port number (1-65535) for the go1.x host");
  }
  auto t = rpc_transport::listen(static_cast<std::uint16_t>(*port));
  if (!t) return std::move(t).error();
  return std::unique_ptr<transport>(std::move(t).value());
}

result<std::unique_ptr<transport>> open_stdio(const char* value) {
  if (!base::parse_integer(value, 1, 1 << 20)) {
    return make_failure(std::make_error_code(std::errc::invalid_argument),
                        "LAMBDAKIT_STDIO is \"" + std::string(value) +
                            "\"; a stdio host sets it to the protocol version it speaks (1)");
  }
  // The handler's own children must not take the marker (descriptors 3 and 4 are not theirs).
  ::unsetenv("LAMBDAKIT_STDIO");
  auto t = frame_transport::open(base::unique_fd(3), base::unique_fd(4));
  if (!t) return std::move(t).error();
  return std::unique_ptr<transport>(std::move(t).value());
}

result<std::unique_ptr<transport>> open_actionloop(const char*) {
  const char* ack = std::getenv("__OW_WAIT_FOR_ACK");
  if (::fcntl(3, F_GETFD) < 0) {
    return make_failure(std::make_error_code(std::errc::bad_file_descriptor),
                        "__OW_PROXY_VERSION is set, but descriptor 3 (where OpenWhisk's "
                        "ActionLoop proxy reads results) is not open");
  }
  // The activation stream and the result pipe move out of the handler's way: its own children
  // (a tool that reads stdin) must not take the next activation or write results. Stdin
  // becomes /dev/null.
  base::unique_fd in(::fcntl(0, F_DUPFD_CLOEXEC, 10));
  base::unique_fd out(::fcntl(3, F_DUPFD_CLOEXEC, 10));
  if (in.get() < 0 || out.get() < 0) {
    return make_failure(errno_code(), "moving the ActionLoop descriptors above 10");
  }
  ::close(3);
  if (int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, 0);
    ::close(null);
  }
  return std::unique_ptr<transport>(std::make_unique<actionloop_transport>(
      std::move(in), std::move(out), ack != nullptr && *ack != '\0'));
}

// One row per way Lambda (or lambdakit) can start a function binary.
struct start_method {
  const char* variable;  // set by whoever started us this way
  const char* how;       // how a user starts the binary this way, for the message below
  result<std::unique_ptr<transport>> (*open)(const char* value);
};

constexpr start_method methods[] = {
    {"LAMBDAKIT_STDIO",
     "behind a stdio host: a nodejs* function packaged by `lambdakit package --runtime "
     "nodejs22.x`, whose index.mjs spawns it with LAMBDAKIT_STDIO=1 and descriptors 3 and 4",
     open_stdio},
    {"__OW_PROXY_VERSION",
     "as an Apache OpenWhisk action (ActionLoop): the proxy of openwhisk/actionloop-base sets "
     "__OW_PROXY_VERSION and reads results on descriptor 3",
     open_actionloop},
    {"_LAMBDA_SERVER_PORT",
     "as a go1.x function (file name = its Handler) under `lambdakit serve`, which sets "
     "_LAMBDA_SERVER_PORT to the port to listen on; AWS no longer creates go1.x functions",
     open_go1x},
    {"AWS_LAMBDA_RUNTIME_API",
     "as a provided.al2023 or provided.al2 function (file name bootstrap) on Lambda, under "
     "`lambdakit serve`, or under the Runtime Interface Emulator (aws-lambda-rie ./bootstrap), "
     "which set AWS_LAMBDA_RUNTIME_API to the Runtime API's host:port",
     open_runtime_api},
};

}  // namespace

result<std::unique_ptr<transport>> transport_from_environment() {
  for (const auto& m : methods) {
    if (const char* v = std::getenv(m.variable); v != nullptr) return m.open(v);
  }
  std::string ways;
  for (const auto& m : methods) ways += std::string("\n  ") + m.how;
  return make_failure(std::make_error_code(std::errc::no_such_device_or_address),
                      "this program is a Lambda function, but nothing in its environment says how "
                      "it was started, so there is nothing to serve. Start it:" +
                          ways);
}

}  // namespace lambdakit::runtime
