#include "wire/gob/stream.h"

#include <limits>

namespace lambdakit::wire::gob {
namespace {

// The length prefix at the start of `data`: its value and size, nullopt when incomplete.
std::optional<std::pair<std::uint64_t, std::size_t>> peek_length(std::string_view data) {
  if (data.empty()) return std::nullopt;
  auto first = static_cast<unsigned char>(data[0]);
  if (first < 0x80) return std::pair{std::uint64_t{first}, std::size_t{1}};
  std::size_t n = static_cast<std::size_t>(-static_cast<signed char>(first));
  if (n > 8) return std::pair{~std::uint64_t{0}, std::size_t{1}};  // refused by the caller
  if (data.size() < 1 + n) return std::nullopt;
  cursor c(data);
  return std::pair{c.read_uint().value(), 1 + n};
}

}  // namespace

void stream_reader::feed(std::string_view data) {
  if (failed_) return;
  if (start_ > 0 && (start_ == buf_.size() || start_ > buf_.size() / 2)) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  buf_.append(data);
}

result<std::optional<value_message>> stream_reader::next() {
  if (failed_) return *failed_;
  auto fail = [this](failure f) -> result<std::optional<value_message>> {
    failed_ = f;
    return f;
  };
  for (;;) {
    std::string_view rest = std::string_view(buf_).substr(start_);
    auto len = peek_length(rest);
    if (!len) return std::optional<value_message>{};
    auto [size, prefix] = *len;
    if (size == 0) return fail(make_failure(error::bad_length, "a message of length 0"));
    if (size > limits_.max_message) {
      return fail(make_failure(error::too_large,
                               size == ~std::uint64_t{0}
                                   ? std::string("a length prefix longer than 8 bytes")
                                   : "a message of " + std::to_string(size) + " bytes (at most " +
                                         std::to_string(limits_.max_message) + ")"));
    }
    if (rest.size() - prefix < size) return std::optional<value_message>{};
    std::string_view message = rest.substr(prefix, static_cast<std::size_t>(size));
    start_ += prefix + message.size();
    cursor c(message);
    auto id = c.read_int();
    if (!id) return fail(std::move(id).error());
    if (*id == std::numeric_limits<std::int64_t>::min()) {  // -id does not exist
      return fail(make_failure(error::bad_type_id, "a definition for type id 2^63"));
    }
    if (*id < 0) {
      auto def = read_definition(c);
      if (!def) return fail(std::move(def).error());
      if (!c.at_end()) {
        return fail(make_failure(error::extra_data, std::to_string(c.remaining()) +
                                                        " bytes after the definition of type " +
                                                        std::to_string(-*id)));
      }
      if (auto r = table_.define(-*id, std::move(def).value()); !r) return fail(r.error());
      continue;
    }
    if (*id == 0) return fail(make_failure(error::bad_type_id, "a value of type id 0"));
    if (!type_table::predefined(*id) && table_.find(*id) == nullptr) {
      return fail(make_failure(error::unknown_type, "a value of type id " + std::to_string(*id) +
                                                        ", which this stream never defined"));
    }
    return std::optional<value_message>{value_message{*id, message.substr(c.position())}};
  }
}

}  // namespace lambdakit::wire::gob
