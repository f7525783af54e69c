#include "wire/http_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace lambdakit::wire::http {
namespace {

constexpr std::size_t max_chunk_line = 1024;
constexpr std::string_view crlf = "\r\n";

// Character classes of RFC 9110, as tables: the parser looks at every header byte.
enum : std::uint8_t { tchar = 1, field_text = 2 };

constexpr std::array<std::uint8_t, 256> char_classes = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      t[c] |= tchar;
    }
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) t[c] |= field_text;  // visible, SP, HTAB, obs-text
  }
  return t;
}();

bool all_of_class(std::string_view s, std::uint8_t cls) {
  for (char c : s) {
    if ((char_classes[static_cast<unsigned char>(c)] & cls) == 0) return false;
  }
  return true;
}

bool is_token(std::string_view s) {
  return !s.empty() && all_of_class(s, tchar);
}

// Field values and reason phrases: visible characters, space, tab and obs-text; no other controls.
bool is_field_text(std::string_view s) {
  return all_of_class(s, field_text);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A value quoted for an error message: at most 64 characters, controls escaped.
std::string quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > 64) out += "...";
  out += '"';
  return out;
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

failure parser::fail(error e, std::string detail) {
  state_ = state::failed;
  failure_ = make_failure(e, std::move(detail));
  return failure_;
}

void parser::reset() {
  // Clear rather than reassign so the head buffer keeps its capacity across keep-alive messages.
  msg_.headers_.block_.clear();
  msg_.headers_.refs_.clear();
  msg_.trailers_.block_.clear();
  msg_.trailers_.refs_.clear();
  msg_.body_.clear();
  msg_.status_ = 0;
  msg_.version_minor_ = 1;
  msg_.reason_ = msg_.method_ = msg_.target_ = {};
  msg_.close_delimited_ = false;
  state_ = state::head;
  no_body_ = false;
  remaining_ = 0;
  scanned_ = 0;
  pending_cr_ = false;
  line_.clear();
  failure_ = {};
}

result<std::size_t> parser::feed(std::string_view data) {
  if (state_ == state::failed) return failure_;
  std::size_t used = 0;
  while (used < data.size() && state_ != state::done) {
    std::string_view rest = data.substr(used);
    switch (state_) {
      case state::head: {
        auto r = feed_head(rest);
        if (!r) return r;
        used += *r;
        break;
      }
      case state::body_length: {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        msg_.body_.append(rest.data(), n);
        remaining_ -= n;
        used += n;
        if (remaining_ == 0) state_ = state::done;
        break;
      }
      case state::body_eof: {
        if (msg_.body_.size() + rest.size() > limits_.max_body) {
          return fail(error::body_too_large, "the close-delimited body passed the limit of " +
                                                 std::to_string(limits_.max_body) + " bytes");
        }
        msg_.body_.append(rest);
        used += rest.size();
        break;
      }
      case state::chunk_size: {
        auto r = feed_chunk_size(rest);
        if (!r) return r;
        used += *r;
        break;
      }
      case state::chunk_data: {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        msg_.body_.append(rest.data(), n);
        remaining_ -= n;
        used += n;
        if (remaining_ == 0) state_ = state::chunk_crlf;
        break;
      }
      case state::chunk_crlf: {
        // line_ holds the part of the CRLF already seen.
        char want = crlf[line_.size()];
        if (rest.front() != want) {
          return fail(error::bad_chunk_terminator,
                      "expected CRLF after chunk data, got " + quote(rest.substr(0, 1)));
        }
        line_ += want;
        ++used;
        if (line_.size() == 2) {
          line_.clear();
          state_ = state::chunk_size;
        }
        break;
      }
      case state::trailers: {
        auto r = feed_trailers(rest);
        if (!r) return r;
        used += *r;
        break;
      }
      case state::done:
      case state::failed:
        break;
    }
  }
  if (state_ == state::failed) return failure_;
  return used;
}

result<void> parser::feed_eof() {
  switch (state_) {
    case state::done:
      return {};
    case state::failed:
      return failure_;
    case state::body_eof:
      state_ = state::done;
      return {};
    case state::head:
      if (msg_.headers_.block_.empty()) {
        return fail(error::partial_message,
                    "the peer closed the connection before sending a message");
      }
      return fail(error::partial_message, "the peer closed the connection after " +
                                              std::to_string(msg_.headers_.block_.size()) +
                                              " bytes of the header section");
    case state::body_length:
      return fail(error::partial_message,
                  "the peer closed the connection with " + std::to_string(remaining_) +
                      " of the body bytes its Content-Length announced still to come");
    default:
      return fail(error::partial_message, "the peer closed the connection inside a chunked body");
  }
}

// Appends bytes of a header or trailer section to `block` until the blank line that ends it.
// Returns the bytes consumed; `complete` tells whether the section ended.
namespace {

struct section_progress {
  std::size_t consumed;
  bool complete;
};

result<section_progress> accumulate_section(std::string& block, std::size_t& scanned,
                                            std::string_view data, std::size_t max) {
  std::size_t old = block.size();
  std::size_t take = std::min(data.size(), max - std::min(max, old));
  block.append(data.data(), take);
  // One pass over the line ends (memchr finds them fast): each LF must follow a CR (a bare LF
  // would leave us waiting for a CRLFCRLF that never comes), and CRLFCRLF, or a CRLF at the very
  // start, ends the section. What follows the section is body and is not looked at.
  const char* b = block.data();
  std::size_t i = scanned;
  std::size_t end = std::string::npos;
  while (i < block.size()) {
    const void* hit = std::memchr(b + i, '\n', block.size() - i);
    if (hit == nullptr) break;
    auto lf = static_cast<std::size_t>(static_cast<const char*>(hit) - b);
    if (lf == 0 || b[lf - 1] != '\r') {
      return make_failure(error::bad_line_ending, "a line ends in a bare LF instead of CRLF");
    }
    if (lf == 1 || (lf >= 3 && b[lf - 2] == '\n' && b[lf - 3] == '\r')) {
      end = lf + 1;
      break;
    }
    i = lf + 1;
  }
  if (end == std::string::npos) {
    scanned = block.size();
    if (block.size() >= max) {
      return make_failure(error::header_too_large,
                          "no blank line within the first " + std::to_string(max) + " bytes");
    }
    return section_progress{take, false};
  }
  block.resize(end);
  return section_progress{end - old, true};
}

}  // namespace

result<std::size_t> parser::feed_head(std::string_view data) {
  std::size_t skipped = 0;
  if (msg_.headers_.block_.empty()) {  // RFC 9112 §2.2: ignore empty lines before a message
    while (skipped < data.size()) {
      if (pending_cr_) {
        pending_cr_ = false;
        if (data[skipped] == '\n') {
          ++skipped;
          continue;
        }
        msg_.headers_.block_.push_back('\r');  // not an empty line after all
        break;
      }
      if (data[skipped] != '\r') break;
      pending_cr_ = true;
      ++skipped;
    }
    if (skipped == data.size()) return skipped;
  }
  auto r =
      accumulate_section(msg_.headers_.block_, scanned_, data.substr(skipped), limits_.max_head);
  if (!r) {
    state_ = state::failed;
    failure_ = std::move(r).error();
    return failure_;
  }
  if (r->complete) {
    if (auto h = parse_head(); !h) {
      state_ = state::failed;
      failure_ = std::move(h).error();
      return failure_;
    }
  }
  return skipped + r->consumed;
}

result<void> parser::parse_head() {
  const std::string& b = msg_.headers_.block_;
  std::size_t eol = b.find(crlf);
  if (auto r = parse_start_line(std::string_view(b).substr(0, eol)); !r) return r;
  if (auto r = parse_fields(msg_.headers_, eol + 2, b.size() - 2); !r) return r;
  return choose_framing();
}

result<void> parser::parse_start_line(std::string_view line) {
  if (line.find('\r') != std::string_view::npos) {
    return make_failure(error::bad_line_ending, "a bare CR in the start line " + quote(line));
  }
  auto parse_version = [&](std::string_view v) -> result<void> {
    if (v.size() == 8 && v.substr(0, 7) == "HTTP/1." && (v[7] == '0' || v[7] == '1')) {
      msg_.version_minor_ = v[7] - '0';
      return {};
    }
    if (v.substr(0, 5) == "HTTP/")
      return make_failure(error::bad_version,
                          quote(v) + " (only HTTP/1.0 and HTTP/1.1 are spoken)");
    return make_failure(error::bad_start_line, quote(line));
  };
  auto at = [&](std::string_view part) {
    return message::span{static_cast<std::uint32_t>(part.data() - msg_.headers_.block_.data()),
                         static_cast<std::uint32_t>(part.size())};
  };

  if (kind_ == kind::response) {
    // HTTP-version SP 3DIGIT SP [reason-phrase]; a missing SP before an empty reason is tolerated.
    if (line.size() < 12 || line[8] != ' ') return make_failure(error::bad_start_line, quote(line));
    if (auto r = parse_version(line.substr(0, 8)); !r) return r;
    std::string_view code = line.substr(9, 3);
    if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        code[0] == '0') {
      return make_failure(error::bad_status, quote(code) + " is not a status code from 100 to 999");
    }
    msg_.status_ = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    if (line.size() > 12) {
      if (line[12] != ' ')
        return make_failure(error::bad_status,
                            quote(line.substr(9)) + " is not a status code from 100 to 999");
      std::string_view reason = line.substr(13);
      if (!is_field_text(reason))
        return make_failure(error::bad_start_line,
                            "control character in the reason phrase " + quote(reason));
      msg_.reason_ = at(reason);
    }
    return {};
  }

  // method SP request-target SP HTTP-version
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return make_failure(error::bad_start_line, quote(line));
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(method)) return make_failure(error::bad_method, quote(method));
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
      })) {
    return make_failure(error::bad_target, quote(target));
  }
  if (auto r = parse_version(line.substr(sp2 + 1)); !r) return r;
  msg_.method_ = at(method);
  msg_.target_ = at(target);
  return {};
}

result<void> parser::parse_fields(fields& out, std::size_t from, std::size_t to) {
  std::string_view b(out.block_);
  std::size_t pos = from;
  while (pos < to) {
    std::size_t eol = b.find(crlf, pos);
    std::string_view line = b.substr(pos, eol - pos);
    if (line.front() == ' ' || line.front() == '\t') {
      return make_failure(error::obsolete_line_folding,
                          "a header line starts with white space: " + quote(line));
    }
    if (line.find('\r') != std::string_view::npos) {
      return make_failure(error::bad_line_ending, "a bare CR in the header line " + quote(line));
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return make_failure(error::bad_header, "no colon in " + quote(line));
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return make_failure(error::bad_header, "bad field name " + quote(name));
    std::string_view value = trim(line.substr(colon + 1));
    if (!is_field_text(value)) {
      return make_failure(error::bad_header,
                          "control character in the value of " + std::string(name));
    }
    if (out.refs_.size() == limits_.max_fields) {
      return make_failure(error::too_many_headers,
                          "more than " + std::to_string(limits_.max_fields) + " fields");
    }
    out.refs_.push_back({static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(name.size()),
                         static_cast<std::uint32_t>(value.data() - b.data()),
                         static_cast<std::uint32_t>(value.size())});
    pos = eol + 2;
  }
  return {};
}

result<void> parser::choose_framing() {
  if (kind_ == kind::response &&
      (no_body_ || msg_.status_ / 100 == 1 || msg_.status_ == 204 || msg_.status_ == 304)) {
    state_ = state::done;
    return {};
  }
  const fields& h = msg_.headers_;
  bool has_length = false;
  std::uint64_t length = 0;
  int transfer_encodings = 0;
  std::string_view transfer_encoding;
  for (std::size_t i = 0; i < h.size(); ++i) {
    fields::field f = h[i];
    if (iequals(f.name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = f.value;
    } else if (iequals(f.name, "Content-Length")) {
      // A list of identical values is allowed (RFC 9110 §8.6); anything else is an error.
      std::string_view list = f.value;
      while (true) {
        std::size_t comma = list.find(',');
        std::uint64_t v = 0;
        if (!parse_decimal(trim(list.substr(0, comma)), v)) {
          return make_failure(error::bad_content_length,
                              quote(f.value) + " is not a decimal byte count");
        }
        if (has_length && v != length) {
          return make_failure(error::bad_content_length,
                              "two Content-Length values disagree: " + std::to_string(length) +
                                  " and " + std::to_string(v));
        }
        has_length = true;
        length = v;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    }
  }
  if (transfer_encodings > 0 && has_length) {
    return make_failure(error::conflicting_framing,
                        "both Content-Length and Transfer-Encoding are present");
  }
  if (transfer_encodings > 0) {
    if (transfer_encodings > 1 || !iequals(trim(transfer_encoding), "chunked")) {
      return make_failure(
          error::unsupported_transfer_coding,
          "Transfer-Encoding " + quote(transfer_encoding) + " (only chunked is supported)");
    }
    state_ = state::chunk_size;
    return {};
  }
  if (has_length) {
    if (length > limits_.max_body) {
      return make_failure(error::body_too_large, "Content-Length " + std::to_string(length) +
                                                     " exceeds the limit of " +
                                                     std::to_string(limits_.max_body) + " bytes");
    }
    remaining_ = length;
    msg_.body_.reserve(static_cast<std::size_t>(length));
    state_ = length == 0 ? state::done : state::body_length;
    return {};
  }
  if (kind_ == kind::response) {
    msg_.close_delimited_ = true;
    state_ = state::body_eof;
  } else {
    state_ = state::done;
  }
  return {};
}

result<std::size_t> parser::feed_chunk_size(std::string_view data) {
  std::size_t nl = data.find('\n');
  std::size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  if (line_.size() + take > max_chunk_line) {
    return fail(error::bad_chunk_size,
                "a chunk-size line longer than " + std::to_string(max_chunk_line) + " bytes");
  }
  line_.append(data.data(), take);
  if (nl == std::string_view::npos) return take;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    return fail(error::bad_line_ending, "a chunk-size line ends in a bare LF");
  }
  std::string_view line(line_.data(), line_.size() - 2);
  std::size_t digits = 0;
  std::uint64_t size = 0;
  for (char c : line) {
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) break;
    if (++digits > 15)
      return fail(error::bad_chunk_size, "chunk size " + quote(line) + " overflows");
    size = size * 16 + static_cast<std::uint64_t>(v);
  }
  std::string_view after = line.substr(digits);
  if (digits == 0 ||
      !(after.empty() || after.front() == ';' || after.front() == ' ' || after.front() == '\t')) {
    return fail(error::bad_chunk_size, quote(line) + " is not a hexadecimal chunk size");
  }
  if (msg_.body_.size() + size > limits_.max_body) {
    return fail(error::body_too_large, "a chunk of " + std::to_string(size) +
                                           " bytes takes the body past the limit of " +
                                           std::to_string(limits_.max_body) + " bytes");
  }
  line_.clear();
  if (size == 0) {
    scanned_ = 0;
    state_ = state::trailers;
  } else {
    remaining_ = size;
    state_ = state::chunk_data;
  }
  return take;
}

result<std::size_t> parser::feed_trailers(std::string_view data) {
  fields& t = msg_.trailers_;
  auto r = accumulate_section(t.block_, scanned_, data, limits_.max_head);
  if (!r) {
    state_ = state::failed;
    failure_ = std::move(r).error();
    return failure_;
  }
  if (r->complete) {
    if (auto f = parse_fields(t, 0, t.block_.size() - 2); !f) {
      state_ = state::failed;
      failure_ = std::move(f).error();
      return failure_;
    }
    state_ = state::done;
  }
  return r->consumed;
}

}  // namespace lambdakit::wire::http
