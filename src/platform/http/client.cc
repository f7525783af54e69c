#include "platform/http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <stdexcept>

#include "base/parse.h"

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
  endpoint e;
  if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest = rest.substr(8);
    e.tls = true;
    e.port = 443;
  }
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  e.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (colon != std::string::npos) {
    auto port = base::parse_integer(rest.substr(colon + 1), 1, 65535);
    if (!port) return std::nullopt;
    e.port = static_cast<unsigned short>(*port);
  }
  if (e.host == "localhost") e.host = "127.0.0.1";
  if (e.host.empty() || e.host.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                            std::string::npos) {
    return std::nullopt;
  }
  return e;
}

struct client::impl {
  asio::io_context io;
  beast::tcp_stream stream{io};
  std::unique_ptr<asio::ssl::context> tls_context;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  endpoint where;
  bool connected = false;
  bool wrote = false;     // the current request was written whole
  const char* step = "";  // what was being done, for the failure's message

  void connect() {
    beast::error_code ec;
    buffer.clear();
    asio::ip::tcp::resolver resolver(io);
    step = "resolving";
    auto addresses = resolver.resolve(where.host, std::to_string(where.port));
    step = "connecting";
    if (!where.tls) {
      stream.socket().close(ec);
      stream.connect(addresses);
      stream.socket().set_option(asio::ip::tcp::no_delay(true));
      connected = true;
      return;
    }
    if (!tls_context) {
      tls_context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      const char* bundle = std::getenv("AWS_CA_BUNDLE");
      if (bundle != nullptr && *bundle != '\0') {
        tls_context->load_verify_file(bundle);
      } else {
        tls_context->set_default_verify_paths();
      }
      tls_context->set_verify_mode(asio::ssl::verify_peer);
    }
    tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, *tls_context);
    if (!SSL_set_tlsext_host_name(tls->native_handle(), where.host.c_str())) {
      throw beast::system_error(asio::error::invalid_argument, "the TLS server name");
    }
    tls->set_verify_callback(asio::ssl::host_name_verification(where.host));
    beast::get_lowest_layer(*tls).connect(addresses);
    step = "the TLS handshake";
    tls->handshake(asio::ssl::stream_base::client);
    connected = true;
  }

  template <class Stream>
  client_result round_trip(Stream& s, bhttp::request<bhttp::string_body>& req) {
    step = "sending the request";
    bhttp::write(s, req);
    wrote = true;
    step = "reading the answer";
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::uint64_t{64} * 1024 * 1024);
    bhttp::read(s, buffer, parser);
    auto res = parser.release();
    client_result out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    if (!res.keep_alive()) connected = false;
    return out;
  }
};

client::client(const std::string& host, unsigned short port) : impl_(std::make_unique<impl>()) {
  impl_->where.host = host;
  impl_->where.port = port;
}

client::client(const endpoint& e) : impl_(std::make_unique<impl>()) {
  impl_->where = e;
}

client::~client() = default;

std::string client::host_header() const {
  bool default_port = impl_->where.port == (impl_->where.tls ? 443 : 80);
  return default_port ? impl_->where.host
                      : impl_->where.host + ":" + std::to_string(impl_->where.port);
}

result<client_result> client::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  auto verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    return make_failure(std::make_error_code(std::errc::invalid_argument),
                        "\"" + method + "\" is not an HTTP method");
  }
  for (int attempt = 0;; ++attempt) {
    // A kept-alive connection the server has since closed fails on first use: that is retried
    // once on a new one. A POST the server may have received is not (it could create twice).
    bool reused = impl_->connected;
    impl_->wrote = false;
    try {
      if (!impl_->connected) impl_->connect();
      bhttp::request<bhttp::string_body> req{verb, target, 11};
      req.set(bhttp::field::host, host_header());
      for (const auto& [k, v] : headers) req.set(k, v);
      req.body() = body;
      req.prepare_payload();
      return impl_->tls ? impl_->round_trip(*impl_->tls, req)
                        : impl_->round_trip(impl_->stream, req);
    } catch (const beast::system_error& e) {
      impl_->connected = false;
      if (attempt == 1 || !reused || (method == "POST" && impl_->wrote)) {
        // OS errors keep their errno; the resolver's, TLS's and Beast's become io_error, with
        // their own words in the detail.
        bool os = e.code().category() == boost::system::system_category();
        return make_failure(os ? std::error_code(e.code().value(), std::system_category())
                               : std::make_error_code(std::errc::io_error),
                            host_header() + ": " + impl_->step + ": " + e.code().message());
      }
    }
  }
}

}  // namespace lambdakit::platform::http
