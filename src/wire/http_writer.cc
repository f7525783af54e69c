#include "wire/http_writer.h"

#include <charconv>

namespace lambdakit::wire::http {
namespace {

bool safe_value(std::string_view v) {
  for (char c : v) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void append_fields(std::string& out, const header_field* fields, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!safe_value(fields[i].value) || !safe_value(fields[i].name)) continue;
    out.append(fields[i].name);
    out.append(": ");
    out.append(fields[i].value);
    out.append("\r\n");
  }
}

void append_number(std::string& out, std::size_t n, int base) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n, base);
  (void)ec;  // 24 characters hold any 64-bit number in base 10 or 16
  out.append(buf, end);
}

}  // namespace

void append_request_head(std::string& out, std::string_view method, std::string_view target,
                         std::string_view host, const header_field* fields, std::size_t count,
                         framing body, std::size_t content_length) {
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(host);
  out.append("\r\n");
  append_fields(out, fields, count);
  switch (body) {
    case framing::none:
      break;
    case framing::content_length:
      out.append("Content-Length: ");
      append_number(out, content_length, 10);
      out.append("\r\n");
      break;
    case framing::chunked:
      out.append("Transfer-Encoding: chunked\r\n");
      break;
  }
  out.append("\r\n");
}

void append_chunk_header(std::string& out, std::size_t size) {
  append_number(out, size, 16);
  out.append("\r\n");
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  append_chunk_header(out, data.size());
  out.append(data);
  out.append("\r\n");
}

void append_last_chunk(std::string& out, const header_field* trailers, std::size_t count) {
  out.append("0\r\n");
  append_fields(out, trailers, count);
  out.append("\r\n");
}

}  // namespace lambdakit::wire::http
