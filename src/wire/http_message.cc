#include "wire/http_message.h"

namespace lambdakit::wire::http {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a == b) return true;  // peers mostly send the canonical case
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> fields::get(std::string_view name) const {
  for (std::size_t i = 0; i < refs_.size(); ++i) {
    field f = (*this)[i];
    if (iequals(f.name, name)) return f.value;
  }
  return std::nullopt;
}

bool fields::has_token(std::string_view name, std::string_view token) const {
  for (std::size_t i = 0; i < refs_.size(); ++i) {
    field f = (*this)[i];
    if (!iequals(f.name, name)) continue;
    std::string_view list = f.value;
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      std::string_view item = trim(list.substr(0, comma));
      if (iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool message::keep_alive() const {
  if (close_delimited_) return false;
  if (headers_.has_token("Connection", "close")) return false;
  if (version_minor_ == 0) return headers_.has_token("Connection", "keep-alive");
  return true;
}

}  // namespace lambdakit::wire::http
