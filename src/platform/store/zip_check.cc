#include "platform/store/zip_check.h"

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace lambdakit::platform::store {
namespace {

constexpr std::uint32_t eocd_sig = 0x06054b50;
constexpr std::uint32_t zip64_locator_sig = 0x07064b50;
constexpr std::uint32_t zip64_eocd_sig = 0x06064b50;
constexpr std::uint32_t cd_sig = 0x02014b50;
constexpr std::uint32_t local_sig = 0x04034b50;

class reader {
 public:
  explicit reader(std::string_view s) : s_(s) {}
  bool has(std::uint64_t at, std::uint64_t n) const {
    return at <= s_.size() && n <= s_.size() - at;
  }
  std::uint64_t le(std::uint64_t at, int bytes) const {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s_[at + i]);
    return v;
  }
  std::string_view bytes(std::uint64_t at, std::uint64_t n) const { return s_.substr(at, n); }
  std::uint64_t size() const { return s_.size(); }

 private:
  std::string_view s_;
};

failure bad(const std::string& why) {
  return make_failure(std::make_error_code(std::errc::bad_message), why);
}

std::string shown(std::string_view name) {
  return std::string(name.substr(0, 80)) + (name.size() > 80 ? "..." : "");
}

struct sizes {
  std::uint64_t compressed, uncompressed, offset;
};

// The ZIP64 extra field (0x0001) replaces, in order, each of the 32-bit fields that are
// 0xFFFFFFFF; false when it is needed and missing or short.
bool apply_zip64(const reader& r, std::uint64_t extra, std::uint64_t len, sizes& s,
                 bool with_offset) {
  bool need_u = s.uncompressed == 0xFFFFFFFF, need_c = s.compressed == 0xFFFFFFFF;
  bool need_o = with_offset && s.offset == 0xFFFFFFFF;
  if (!need_u && !need_c && !need_o) return true;
  for (std::uint64_t at = extra; at + 4 <= extra + len;) {
    std::uint64_t id = r.le(at, 2), n = r.le(at + 2, 2);
    if (at + 4 + n > extra + len) return false;
    if (id == 1) {
      std::uint64_t p = at + 4, end = p + n;
      auto take = [&](std::uint64_t& v) {
        if (p + 8 > end) return false;
        v = r.le(p, 8);
        p += 8;
        return true;
      };
      return (!need_u || take(s.uncompressed)) && (!need_c || take(s.compressed)) &&
             (!need_o || take(s.offset));
    }
    at += 4 + n;
  }
  return false;
}

}  // namespace

result<void> check_zip_structure(std::string_view zip) {
  reader r(zip);
  // The end record: the last signature within its 22 bytes plus a comment of up to 65,535.
  std::optional<std::uint64_t> eocd;
  if (r.size() >= 22) {
    std::uint64_t lowest = r.size() > 22 + 65535 ? r.size() - 22 - 65535 : 0;
    for (std::uint64_t at = r.size() - 22 + 1; at-- > lowest;) {
      if (r.le(at, 4) == eocd_sig && at + 22 + r.le(at + 20, 2) == r.size()) {
        eocd = at;
        break;
      }
    }
  }
  if (!eocd) return bad("no end-of-central-directory record: this is not a whole zip file");
  std::uint64_t disk = r.le(*eocd + 4, 2), cd_disk = r.le(*eocd + 6, 2);
  std::uint64_t count_here = r.le(*eocd + 8, 2), count = r.le(*eocd + 10, 2);
  std::uint64_t cd_size = r.le(*eocd + 12, 4), cd_offset = r.le(*eocd + 16, 4);
  std::uint64_t cd_end_limit = *eocd;
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    std::uint64_t loc = *eocd >= 20 ? *eocd - 20 : 0;
    if (*eocd < 20 || r.le(loc, 4) != zip64_locator_sig) {
      return bad("the end record points to ZIP64 records that are not there");
    }
    std::uint64_t z = r.le(loc + 8, 8);
    if (!r.has(z, 56) || z > loc || r.le(z, 4) != zip64_eocd_sig) {
      return bad("the ZIP64 locator points outside the file or at no ZIP64 end record");
    }
    count_here = r.le(z + 24, 8);
    count = r.le(z + 32, 8);
    cd_size = r.le(z + 40, 8);
    cd_offset = r.le(z + 48, 8);
    cd_end_limit = z;
  }
  if (disk != 0 || cd_disk != 0 || count_here != count) {
    return bad("a multi-disk (split) zip: Lambda takes one file");
  }
  if (cd_offset > cd_end_limit || cd_size > cd_end_limit - cd_offset) {
    return bad("the end record puts the central directory (" + std::to_string(cd_size) +
               " bytes at offset " + std::to_string(cd_offset) + ") outside the file");
  }
  std::uint64_t at = cd_offset, end = cd_offset + cd_size;
  std::uint64_t n = 0;
  for (; at < end; ++n) {
    std::string ordinal = "entry " + std::to_string(n + 1);
    if (!r.has(at, 46) || at + 46 > end || r.le(at, 4) != cd_sig) {
      return bad(ordinal +
                 " of the central directory is not where its size says (the end "
                 "record says " +
                 std::to_string(count) + " entries in " + std::to_string(cd_size) + " bytes)");
    }
    std::uint64_t flags = r.le(at + 8, 2), method = r.le(at + 10, 2), crc = r.le(at + 16, 4);
    sizes s{r.le(at + 20, 4), r.le(at + 24, 4), r.le(at + 42, 4)};
    std::uint64_t name_len = r.le(at + 28, 2), extra_len = r.le(at + 30, 2),
                  comment_len = r.le(at + 32, 2);
    std::uint64_t next = at + 46 + name_len + extra_len + comment_len;
    if (next > end) return bad(ordinal + " runs past the end of the central directory");
    std::string_view name = r.bytes(at + 46, name_len);
    ordinal += " (" + shown(name) + ")";
    if (!apply_zip64(r, at + 46 + name_len, extra_len, s, true)) {
      return bad(ordinal + ": its ZIP64 sizes are missing from the central directory");
    }
    // Its local header, in front of the central directory, saying the same.
    if (s.offset >= cd_offset || !r.has(s.offset, 30) || s.offset + 30 > cd_offset ||
        r.le(s.offset, 4) != local_sig) {
      return bad(ordinal + ": the central directory puts its local header at offset " +
                 std::to_string(s.offset) + ", where there is none");
    }
    std::uint64_t l_name_len = r.le(s.offset + 26, 2), l_extra_len = r.le(s.offset + 28, 2);
    std::uint64_t data = s.offset + 30 + l_name_len + l_extra_len;
    if (data > cd_offset)
      return bad(ordinal + ": its local header runs into the central directory");
    if (r.bytes(s.offset + 30, l_name_len) != name) {
      return bad(ordinal + ": the local header names it \"" +
                 shown(r.bytes(s.offset + 30, l_name_len)) + "\"");
    }
    if (r.le(s.offset + 8, 2) != method) {
      return bad(ordinal +
                 ": the local header and the central directory disagree on its "
                 "compression method");
    }
    if ((flags & 8) == 0) {  // no data descriptor: the local header carries CRC and sizes
      sizes l{r.le(s.offset + 18, 4), r.le(s.offset + 22, 4), 0};
      if (!apply_zip64(r, s.offset + 30 + l_name_len, l_extra_len, l, false)) {
        return bad(ordinal + ": its ZIP64 sizes are missing from the local header");
      }
      if (r.le(s.offset + 14, 4) != crc) {
        return bad(ordinal + ": the local header says CRC " +
                   std::to_string(r.le(s.offset + 14, 4)) + ", the central directory " +
                   std::to_string(crc));
      }
      if (l.compressed != s.compressed || l.uncompressed != s.uncompressed) {
        return bad(ordinal + ": the local header says " + std::to_string(l.compressed) + "/" +
                   std::to_string(l.uncompressed) +
                   " bytes (compressed/uncompressed), the "
                   "central directory " +
                   std::to_string(s.compressed) + "/" + std::to_string(s.uncompressed));
      }
    }
    if (s.compressed > cd_offset - data) {
      return bad(ordinal + ": its " + std::to_string(s.compressed) +
                 " compressed bytes run into the central directory");
    }
    at = next;
  }
  if (n != count) {
    return bad("the end record says " + std::to_string(count) +
               " entries; the central "
               "directory holds " +
               std::to_string(n));
  }
  return {};
}

}  // namespace lambdakit::platform::store
