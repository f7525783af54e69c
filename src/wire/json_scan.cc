#include "wire/json_scan.h"

#include <cstdint>
#include <system_error>

namespace lambdakit::wire::json {
namespace {

class scanner {
 public:
  explicit scanner(std::string_view s) : s_(s) {}

  result<void> value(int depth) {
    ws();
    if (depth > max_depth) return fail("nesting deeper than " + std::to_string(max_depth));
    if (at_ >= s_.size()) return fail("a value expected");
    switch (s_[at_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return word("true");
      case 'f':
        return word("false");
      case 'n':
        return word("null");
      default:
        return number();
    }
  }

  result<void> object(int depth, std::vector<member>* out = nullptr) {
    ++at_;  // {
    ws();
    if (peek('}')) return {};
    while (true) {
      ws();
      std::size_t key_start = at_;
      if (!peek_is('"')) return fail("a member name (a string) expected");
      if (auto k = string(); !k) return k;
      std::string_view key_raw = s_.substr(key_start, at_ - key_start);
      ws();
      if (!peek(':')) return fail("':' expected after a member name");
      ws();
      std::size_t value_start = at_;
      if (auto v = value(depth + 1); !v) return v;
      if (out != nullptr) {
        auto key = string_value(key_raw);
        if (!key) return std::move(key).error();
        out->push_back({std::move(key).value(), s_.substr(value_start, at_ - value_start)});
      }
      ws();
      if (peek('}')) return {};
      if (!peek(',')) return fail("',' or '}' expected in an object");
    }
  }

  result<void> array(int depth) {
    ++at_;  // [
    ws();
    if (peek(']')) return {};
    while (true) {
      if (auto v = value(depth + 1); !v) return v;
      ws();
      if (peek(']')) return {};
      if (!peek(',')) return fail("',' or ']' expected in an array");
    }
  }

  result<void> string() {
    ++at_;  // "
    while (at_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[at_]);
      if (c == '"') {
        ++at_;
        return {};
      }
      if (c < 0x20) return fail("a control character inside a string");
      if (c == '\\') {
        if (++at_ >= s_.size()) break;
        char e = s_[at_];
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i) {
            if (at_ + i >= s_.size() || !is_hex(s_[at_ + i])) return fail("a bad \\u escape");
          }
          at_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return fail("a bad escape");
        }
      }
      ++at_;
    }
    return fail("a string that does not end");
  }

  result<void> number() {
    std::size_t start = at_;
    if (peek_is('-')) ++at_;
    if (peek_is('0')) {
      ++at_;
    } else if (!digits()) {
      at_ = start;
      return fail("a value expected");
    }
    if (peek_is('.')) {
      ++at_;
      if (!digits()) return fail("digits expected after '.'");
    }
    if (peek_is('e') || peek_is('E')) {
      ++at_;
      if (peek_is('+') || peek_is('-')) ++at_;
      if (!digits()) return fail("digits expected in an exponent");
    }
    return {};
  }

  result<void> word(std::string_view w) {
    if (s_.substr(at_, w.size()) != w) return fail("a value expected");
    at_ += w.size();
    return {};
  }

  void ws() {
    while (at_ < s_.size() &&
           (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r'))
      ++at_;
  }
  bool done() const { return at_ == s_.size(); }
  bool peek_is(char c) const { return at_ < s_.size() && s_[at_] == c; }
  bool peek(char c) {
    if (!peek_is(c)) return false;
    ++at_;
    return true;
  }
  failure fail(const std::string& what) const {
    return make_failure(std::make_error_code(std::errc::bad_message),
                        "not JSON: " + what + " at byte " + std::to_string(at_));
  }

 private:
  static bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  bool digits() {
    std::size_t start = at_;
    while (at_ < s_.size() && s_[at_] >= '0' && s_[at_] <= '9') ++at_;
    return at_ > start;
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

unsigned hex4(std::string_view s) {
  unsigned v = 0;
  for (char c : s.substr(0, 4)) {
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= static_cast<unsigned>(c - 'a' + 10);
    else
      v |= static_cast<unsigned>(c - 'A' + 10);
  }
  return v;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

result<void> validate(std::string_view text) {
  scanner s(text);
  if (auto v = s.value(0); !v) return v;
  s.ws();
  if (!s.done()) return s.fail("text after the value");
  return {};
}

result<std::vector<member>> object_members(std::string_view text) {
  scanner s(text);
  s.ws();
  if (!s.peek_is('{')) return s.fail("an object ('{') expected");
  std::vector<member> out;
  if (auto o = s.object(0, &out); !o) return std::move(o).error();
  s.ws();
  if (!s.done()) return s.fail("text after the object");
  return out;
}

result<std::string> string_value(std::string_view raw) {
  scanner check(raw);
  if (raw.empty() || raw[0] != '"') return check.fail("a string expected");
  if (auto v = validate(raw); !v) return std::move(v).error();
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::uint32_t cp = hex4(raw.substr(i + 1));
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          std::uint32_t lo = hex4(raw.substr(i + 3));
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a lone surrogate
        append_utf8(out, cp);
        break;
      }
      default:
        out += e;
        break;  // " \ /
    }
  }
  return out;
}

}  // namespace lambdakit::wire::json
