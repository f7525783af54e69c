#include "wire/stdio/frame.h"

#include <charconv>
#include <system_error>

namespace lambdakit::wire::stdio {
namespace {

void put_u32(std::string& out, std::size_t at, std::uint32_t v) {
  out[at] = static_cast<char>(v >> 24);
  out[at + 1] = static_cast<char>(v >> 16);
  out[at + 2] = static_cast<char>(v >> 8);
  out[at + 3] = static_cast<char>(v);
}

std::uint32_t get_u32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
  };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

failure bad(std::string detail) {
  return make_failure(std::make_error_code(std::errc::bad_message), std::move(detail));
}

// The first bytes, in hex and as text (no printf: it would grow every function binary).
std::string hex_prefix(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if (i > 0) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  std::string text;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i)
    text += (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '.';
  return out + " \"" + text + "\"";
}

bool known(std::uint8_t t) {
  return t >= static_cast<std::uint8_t>(frame_type::hello) &&
         t <= static_cast<std::uint8_t>(frame_type::protocol_error);
}

}  // namespace

std::string_view frame::get(field f) const {
  for (const auto& r : fields) {
    if (r.tag == f) return std::string_view(body).substr(r.offset, r.size);
  }
  return {};
}

bool frame::has(field f) const {
  for (const auto& r : fields) {
    if (r.tag == f) return true;
  }
  return false;
}

std::vector<std::string_view> frame::all(field f) const {
  std::vector<std::string_view> out;
  for (const auto& r : fields) {
    if (r.tag == f) out.push_back(std::string_view(body).substr(r.offset, r.size));
  }
  return out;
}

std::string_view name(frame_type t) {
  switch (t) {
    case frame_type::hello:
      return "hello";
    case frame_type::invoke:
      return "invoke";
    case frame_type::response:
      return "response";
    case frame_type::error:
      return "error";
    case frame_type::init_error:
      return "init_error";
    case frame_type::ready:
      return "ready";
    case frame_type::stream_begin:
      return "stream_begin";
    case frame_type::stream_chunk:
      return "stream_chunk";
    case frame_type::stream_end:
      return "stream_end";
    case frame_type::protocol_error:
      return "protocol_error";
  }
  return "unknown";
}

frame_writer::frame_writer(std::string& out, frame_type t) : out_(out), start_(out.size()) {
  out_.append({'L', 'K', static_cast<char>(t), 0, 0, 0, 0, 0});
}

frame_writer& frame_writer::add(field f, std::string_view value) {
  std::size_t at = out_.size();
  out_.append(5, '\0');
  out_[at] = static_cast<char>(f);
  // Values over 4 GiB cannot be framed; finish() refuses the frame long before (max_body).
  put_u32(out_, at + 1, static_cast<std::uint32_t>(value.size()));
  out_.append(value);
  return *this;
}

frame_writer& frame_writer::add(field f, std::uint64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  return add(f, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

result<void> frame_writer::finish() {
  std::size_t size = body_size();
  if (size > max_body) {
    out_.resize(start_);
    return make_failure(std::make_error_code(std::errc::message_size),
                        "a frame of " + std::to_string(size) + " bytes; the limit is " +
                            std::to_string(max_body) + " (Lambda's payloads are at most 6 MB)");
  }
  put_u32(out_, start_ + 4, static_cast<std::uint32_t>(size));
  return {};
}

result<std::vector<field_ref>> parse_fields(std::string_view body) {
  std::vector<field_ref> out;
  std::size_t at = 0;
  while (at < body.size()) {
    if (body.size() - at < 5) {
      return bad("a field header cut short at byte " + std::to_string(at) + " of the body");
    }
    auto tag = static_cast<field>(static_cast<unsigned char>(body[at]));
    std::size_t len = get_u32(body, at + 1);
    at += 5;
    if (len > body.size() - at) {
      return bad("field " + std::to_string(static_cast<unsigned>(tag)) + " says " +
                 std::to_string(len) + " bytes, but only " + std::to_string(body.size() - at) +
                 " remain in the frame");
    }
    out.push_back({tag, static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(len)});
    at += len;
  }
  return out;
}

void frame_reader::feed(std::string_view bytes) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (std::size_t{1} << 20) && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::size_t frame_reader::announced() const {
  if (buffered() < header_size) return 0;
  return get_u32(std::string_view(buf_).substr(pos_), 4);
}

result<std::optional<frame>> frame_reader::fail(failure f) {
  failed_ = f;
  return f;
}

result<std::optional<frame>> frame_reader::next() {
  if (failed_) return *failed_;
  std::string_view in = std::string_view(buf_).substr(pos_);
  // Check what is there as soon as it is there: garbage is refused on its first byte.
  if ((!in.empty() && in[0] != 'L') || (in.size() > 1 && in[1] != 'K')) {
    return fail(bad("the bytes are not lambdakit stdio frames (they start " + hex_prefix(in) +
                    "; a frame starts \"LK\")"));
  }
  if (in.size() > 2 && !known(static_cast<unsigned char>(in[2]))) {
    return fail(bad("unknown frame type " + std::to_string(static_cast<unsigned char>(in[2])) +
                    " (this side speaks protocol version " + std::to_string(protocol_version) +
                    ")"));
  }
  if (in.size() > 3 && in[3] != 0) return fail(bad("a frame with flags set; version 1 has none"));
  if (in.size() < header_size) return std::optional<frame>();
  std::size_t len = get_u32(in, 4);
  if (len > max_body) {
    return fail(make_failure(std::make_error_code(std::errc::message_size),
                             "a " + std::string(name(static_cast<frame_type>(in[2]))) +
                                 " frame of " + std::to_string(len) + " bytes; the limit is " +
                                 std::to_string(max_body)));
  }
  if (in.size() - header_size < len) return std::optional<frame>();
  frame f;
  f.type = static_cast<frame_type>(in[2]);
  f.body.assign(in.substr(header_size, len));
  auto fields = parse_fields(f.body);
  if (!fields) return fail(std::move(fields).error());
  pos_ += header_size + len;
  f.fields = std::move(fields).value();
  return std::optional<frame>(std::move(f));
}

}  // namespace lambdakit::wire::stdio
