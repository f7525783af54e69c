#include "package/zip_writer.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

namespace lambdakit::package {
namespace {

void put16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

std::string deflate_raw(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  return out;
}

constexpr std::uint32_t dos_date_1980_01_01 = (0 << 9) | (1 << 5) | 1;

}  // namespace

std::string entry_name_problem(const std::vector<zip_entry>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries) {
    const std::string& n = e.name;
    bool bad = n.empty() || n.front() == '/' || n.find('\\') != std::string::npos;
    for (std::size_t at = 0; !bad && at <= n.size();) {
      std::size_t slash = std::min(n.find('/', at), n.size());
      std::string part = n.substr(at, slash - at);
      bad = part.empty() || part == "." || part == "..";
      at = slash + 1;
    }
    if (bad) return "\"" + n + "\" is not a safe path inside a zip";
    names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  auto dup = std::adjacent_find(names.begin(), names.end());
  if (dup != names.end()) return "two files would be named \"" + *dup + "\" in the zip";
  return {};
}

std::string make_zip(std::vector<zip_entry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const zip_entry& a, const zip_entry& b) { return a.name < b.name; });
  std::string out, central;
  for (const auto& e : entries) {
    auto crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    std::string packed = deflate_raw(e.data);
    bool stored = packed.size() >= e.data.size();
    const std::string& body = stored ? e.data : packed;
    auto offset = static_cast<std::uint32_t>(out.size());
    std::uint16_t method = stored ? 0 : 8;
    // Local file header.
    put32(out, 0x04034b50);
    put16(out, 20);      // version needed: 2.0
    put16(out, 0x0800);  // UTF-8 names
    put16(out, method);
    put16(out, 0);  // time 00:00
    put16(out, dos_date_1980_01_01);
    put32(out, crc);
    put32(out, static_cast<std::uint32_t>(body.size()));
    put32(out, static_cast<std::uint32_t>(e.data.size()));
    put16(out, static_cast<std::uint32_t>(e.name.size()));
    put16(out, 0);  // no extra field
    out += e.name;
    out += body;
    // Central directory header.
    put32(central, 0x02014b50);
    put16(central, (3 << 8) | 20);  // made by Unix, 2.0: external attributes hold the mode
    put16(central, 20);
    put16(central, 0x0800);
    put16(central, method);
    put16(central, 0);
    put16(central, dos_date_1980_01_01);
    put32(central, crc);
    put32(central, static_cast<std::uint32_t>(body.size()));
    put32(central, static_cast<std::uint32_t>(e.data.size()));
    put16(central, static_cast<std::uint32_t>(e.name.size()));
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, (0100000u | (e.mode & 07777u)) << 16);
    put32(central, offset);
    central += e.name;
  }
  auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

}  // namespace lambdakit::package
