#include "wire/gob/primitives.h"

#include <bit>
#include <cstring>

namespace lambdakit::wire::gob {

void append_uint(std::string& out, std::uint64_t v) {
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
    return;
  }
  char buf[8];
  int n = 0;
  while (v != 0) {
    buf[7 - n] = static_cast<char>(v & 0xFF);
    v >>= 8;
    ++n;
  }
  out.push_back(static_cast<char>(-n));
  out.append(buf + 8 - n, static_cast<std::size_t>(n));
}

void append_int(std::string& out, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  append_uint(out, v >= 0 ? u << 1 : (~u << 1) | 1);
}

void append_bool(std::string& out, bool v) {
  out.push_back(v ? '\x01' : '\x00');
}

void append_float(std::string& out, double v) {
  append_uint(out, __builtin_bswap64(std::bit_cast<std::uint64_t>(v)));
}

void append_bytes(std::string& out, std::string_view v) {
  append_uint(out, v.size());
  out.append(v);
}

result<std::uint64_t> cursor::read_uint() {
  if (pos_ >= data_.size()) return make_failure(error::truncated, "expected an unsigned integer");
  auto first = static_cast<unsigned char>(data_[pos_++]);
  if (first < 0x80) return std::uint64_t{first};
  int n = -static_cast<signed char>(first);
  if (n > 8) {
    return make_failure(error::bad_length, "an integer's length byte says " + std::to_string(n) +
                                               " bytes (at most 8)");
  }
  if (remaining() < static_cast<std::size_t>(n)) {
    return make_failure(error::truncated, "an integer's " + std::to_string(n) + " bytes");
  }
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_++]);
  return v;
}

result<std::int64_t> cursor::read_int() {
  auto u = read_uint();
  if (!u) return std::move(u).error();
  std::uint64_t x = *u;
  return static_cast<std::int64_t>((x & 1) != 0 ? ~(x >> 1) : (x >> 1));
}

result<bool> cursor::read_bool() {
  auto u = read_uint();
  if (!u) return std::move(u).error();
  if (*u > 1) {
    return make_failure(error::type_mismatch,
                        "a bool holds " + std::to_string(*u) + " (gob bools are 0 or 1)");
  }
  return *u == 1;
}

result<double> cursor::read_float() {
  auto u = read_uint();
  if (!u) return std::move(u).error();
  return std::bit_cast<double>(__builtin_bswap64(*u));
}

result<std::string_view> cursor::read_bytes() {
  auto n = read_uint();
  if (!n) return std::move(n).error();
  if (*n > remaining()) {
    return make_failure(error::bad_length, "a string or byte slice says " + std::to_string(*n) +
                                               " bytes but " + std::to_string(remaining()) +
                                               " remain in the message");
  }
  auto v = data_.substr(pos_, static_cast<std::size_t>(*n));
  pos_ += v.size();
  return v;
}

result<void> cursor::skip(std::size_t n) {
  if (n > remaining()) return make_failure(error::truncated, "skipping a value");
  pos_ += n;
  return {};
}

}  // namespace lambdakit::wire::gob
