// A blocking keep-alive HTTP/1.1 client (Beast, one connection): the CLI's commands and the
// benchmarks talk to the Lambda API with it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lambdakit::platform::http {

struct client_result {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};

// "http://127.0.0.1:9001" (path ignored; "localhost" allowed) as host and port, or nullopt.
struct endpoint {
  std::string host;
  unsigned short port = 80;
};
std::optional<endpoint> parse_endpoint_url(const std::string& url);

class client {
 public:
  // Connects lazily, on the first request. `host` is a numeric address.
  client(const std::string& host, unsigned short port);
  ~client();
  // Sends one request and reads the answer; reconnects once if the connection was closed.
  // Throws std::runtime_error (with the reason) when the server cannot be reached.
  client_result request(const std::string& method, const std::string& target,
                        const std::string& body = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lambdakit::platform::http
