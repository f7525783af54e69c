#include "platform/http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace lambdakit::platform::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string client_result::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

std::optional<endpoint> parse_endpoint_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (rest.rfind("https://", 0) == 0) return std::nullopt;  // TLS is not spoken here
  rest = rest.substr(0, rest.find('/'));
  endpoint e;
  auto colon = rest.rfind(':');
  e.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      int port = std::stoi(rest.substr(colon + 1));
      if (port < 1 || port > 65535) return std::nullopt;
      e.port = static_cast<unsigned short>(port);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (e.host == "localhost") e.host = "127.0.0.1";
  boost::system::error_code ec;
  asio::ip::make_address(e.host, ec);
  if (e.host.empty() || ec) return std::nullopt;
  return e;
}

struct client::impl {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host;
  unsigned short port = 0;
  bool connected = false;

  void connect() {
    beast::error_code ec;
    stream.socket().close(ec);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address(host), port));
    stream.socket().set_option(asio::ip::tcp::no_delay(true));
    buffer.clear();
    connected = true;
  }
};

client::client(const std::string& host, unsigned short port) : impl_(std::make_unique<impl>()) {
  impl_->host = host;
  impl_->port = port;
}

client::~client() = default;

client_result client::request(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (!impl_->connected) impl_->connect();
      bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
      req.set(bhttp::field::host, impl_->host);
      for (const auto& [k, v] : headers) req.set(k, v);
      req.body() = body;
      req.prepare_payload();
      bhttp::write(impl_->stream, req);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(std::uint64_t{64} * 1024 * 1024);
      bhttp::read(impl_->stream, impl_->buffer, parser);
      auto res = parser.release();
      client_result out;
      out.status = static_cast<int>(res.result_int());
      out.body = std::move(res.body());
      for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      if (!res.keep_alive()) impl_->connected = false;
      return out;
    } catch (const std::exception&) {
      impl_->connected = false;
      if (attempt == 1) throw;
    }
  }
}

}  // namespace lambdakit::platform::http
