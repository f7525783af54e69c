// A blocking keep-alive HTTP/1.1 client for benchmarks (Beast, one connection).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lambdakit::bench {

struct http_result {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};

class http_client {
 public:
  http_client(const std::string& host, unsigned short port);
  ~http_client();
  // Sends one request and reads the answer; reconnects once if the connection was closed.
  http_result request(const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lambdakit::bench
