// Serialising HTTP/1.1 requests and chunked bodies: appends to a caller-owned buffer, so a
// keep-alive client reuses one allocation for every request head.
#pragma once

#include <string>
#include <string_view>

namespace lambdakit::wire::http {

// How the body that follows a request head is framed.
enum class framing { none, content_length, chunked };

struct header_field {
  std::string_view name;
  std::string_view value;
};

// Appends "METHOD target HTTP/1.1", Host, the given fields, the framing field and the blank line.
// Field values must not hold CR or LF (the caller's values are Runtime API ids and fixed names);
// a value that does is dropped rather than allowed to split the head.
void append_request_head(std::string& out, std::string_view method, std::string_view target,
                         std::string_view host, const header_field* fields, std::size_t count,
                         framing body, std::size_t content_length = 0);

// Appends one chunk of a chunked body ("<hex size>\r\n<data>\r\n"); empty data appends nothing,
// since an empty chunk would end the body.
void append_chunk(std::string& out, std::string_view data);

// Appends the header of one chunk only ("<hex size>\r\n"), for writing the data without copying.
void append_chunk_header(std::string& out, std::size_t size);

// Appends the last chunk, the trailer fields and the final CRLF.
void append_last_chunk(std::string& out, const header_field* trailers = nullptr,
                       std::size_t count = 0);

}  // namespace lambdakit::wire::http
