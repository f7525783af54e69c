// A blocking keep-alive HTTP/1.1 client (Beast, one connection): the CLI's commands and the
// benchmarks talk to the Lambda API with it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace lambdakit::platform::http {

struct client_result {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};

// "http://127.0.0.1:9001" or "https://lambda.us-east-1.amazonaws.com" (path ignored) as scheme,
// host and port, or nullopt. "localhost" becomes 127.0.0.1.
struct endpoint {
  std::string host;  // a numeric address or a DNS name
  unsigned short port = 80;
  bool tls = false;  // https: TLS, the server's certificate checked against the system's CAs
                     // (or the file $AWS_CA_BUNDLE names, as the aws CLI does)
};
std::optional<endpoint> parse_endpoint_url(const std::string& url);

class client {
 public:
  // Connects lazily, on the first request. `host` is a numeric address.
  client(const std::string& host, unsigned short port);
  explicit client(const endpoint& e);
  ~client();
  // The Host header requests carry ("host" or "host:port"), which a signature must cover.
  std::string host_header() const;
  // Sends one request and reads the answer (any status is an answer); reconnects once if a
  // kept-alive connection was closed. Fails when no answer came: the code is the socket's,
  // resolver's or TLS's error (std::errc::invalid_argument for a method HTTP lacks), the detail
  // names the endpoint and the step (resolving, connecting, TLS handshake, sending, reading).
  result<client_result> request(
      const std::string& method, const std::string& target, const std::string& body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lambdakit::platform::http
