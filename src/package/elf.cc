#include "package/elf.h"

#include <cstring>

#include "base/error_category.h"

namespace lambdakit::package {
namespace {

const char* describe(elf_errc e) noexcept {
  switch (e) {
    case elf_errc::not_elf:
      return "not an ELF binary";
    case elf_errc::unsupported:
      return "unsupported ELF binary";
    case elf_errc::truncated:
      return "truncated or damaged ELF binary";
  }
  return "unknown ELF error";
}

// Bounds-checked little-endian reads from the image.
class reader {
 public:
  explicit reader(std::string_view image) : img_(image) {}
  bool fits(std::uint64_t off, std::uint64_t len) const {
    return off <= img_.size() && len <= img_.size() - off;
  }
  template <class T>
  T get(std::uint64_t off) const {
    T v{};
    std::memcpy(&v, img_.data() + off, sizeof v);  // callers check fits() first
    return v;
  }
  // A NUL-terminated string inside [table, table + size); empty when it runs off the table.
  std::string str(std::uint64_t table, std::uint64_t size, std::uint64_t off) const {
    if (off >= size || !fits(table, size)) return {};
    std::string_view s = img_.substr(table + off, size - off);
    auto nul = s.find('\0');
    return nul == std::string_view::npos ? std::string() : std::string(s.substr(0, nul));
  }
  std::size_t size() const { return img_.size(); }

 private:
  std::string_view img_;
};

// ELF64 layout offsets (System V gABI).
constexpr std::uint32_t pt_dynamic = 2, pt_interp = 3;
constexpr std::int64_t dt_null = 0, dt_needed = 1, dt_strtab = 5, dt_strsz = 10, dt_rpath = 15,
                       dt_runpath = 29, dt_verneed = 0x6ffffffe, dt_verneednum = 0x6fffffff;

constexpr std::uint32_t sht_dynsym = 11;

struct segment {
  std::uint64_t vaddr, offset, filesz;
};

// The defined global and weak symbols of .dynsym, found through the section headers (which
// strip keeps). Returns what is damaged, or empty.
std::string read_exports(const reader& r, std::set<std::string>& out) {
  auto shoff = r.get<std::uint64_t>(40);
  auto shentsize = r.get<std::uint16_t>(58);
  auto shnum = r.get<std::uint16_t>(60);
  if (shoff == 0 || shnum == 0) return {};
  if (shentsize < 64 || !r.fits(shoff, std::uint64_t{shentsize} * shnum))
    return "the section headers lie outside the file";
  for (std::uint16_t i = 0; i < shnum; ++i) {
    std::uint64_t sh = shoff + std::uint64_t{i} * shentsize;
    if (r.get<std::uint32_t>(sh + 4) != sht_dynsym) continue;
    auto offset = r.get<std::uint64_t>(sh + 24);
    auto size = r.get<std::uint64_t>(sh + 32);
    auto link = r.get<std::uint32_t>(sh + 40);
    if (link >= shnum || !r.fits(offset, size)) return ".dynsym lies outside the file";
    std::uint64_t str_sh = shoff + std::uint64_t{link} * shentsize;
    auto str_off = r.get<std::uint64_t>(str_sh + 24);
    auto str_size = r.get<std::uint64_t>(str_sh + 32);
    if (!r.fits(str_off, str_size)) return ".dynstr lies outside the file";
    for (std::uint64_t at = offset; at + 24 <= offset + size; at += 24) {  // Elf64_Sym
      auto bind = static_cast<unsigned>(r.get<std::uint8_t>(at + 4)) >> 4U;
      auto shndx = r.get<std::uint16_t>(at + 6);
      if (shndx == 0 || (bind != 1 && bind != 2)) continue;  // undefined, or local
      std::string symbol = r.str(str_off, str_size, r.get<std::uint32_t>(at));
      if (!symbol.empty()) out.insert(std::move(symbol));
    }
  }
  return {};
}

}  // namespace

std::error_code make_error_code(elf_errc e) noexcept {
  static const base::enum_category<elf_errc> category("lambdakit.elf", describe);
  return category.make(e);
}

result<elf_info> read_elf(std::string_view image, const std::string& name) {
  reader r(image);
  if (image.size() < 4 || std::memcmp(image.data(),
                                      "\x7f"
                                      "ELF",
                                      4) != 0) {
    return make_failure(
        elf_errc::not_elf,
        name + " does not start with the ELF magic (is it a script or an archive?)");
  }
  if (!r.fits(0, 64))
    return make_failure(elf_errc::truncated, name + ": the ELF header is cut short");
  if (image[4] != 2 || image[5] != 1) {
    return make_failure(elf_errc::unsupported,
                        name + " is not a 64-bit little-endian ELF (Lambda runs x86_64 and arm64)");
  }
  auto type = r.get<std::uint16_t>(16);
  if (type != 2 && type != 3) {
    return make_failure(elf_errc::unsupported,
                        name + " is an object file, not an executable or shared library");
  }
  elf_info info;
  if (auto problem = read_exports(r, info.exports); !problem.empty())
    return make_failure(elf_errc::truncated, name + ": " + problem);
  auto machine = r.get<std::uint16_t>(18);
  info.machine = machine == 62    ? "x86_64"
                 : machine == 183 ? "aarch64"
                                  : "EM " + std::to_string(machine);
  auto phoff = r.get<std::uint64_t>(32);
  auto phentsize = r.get<std::uint16_t>(54);
  auto phnum = r.get<std::uint16_t>(56);
  if (phentsize < 56 || !r.fits(phoff, std::uint64_t{phentsize} * phnum)) {
    return make_failure(elf_errc::truncated, name + ": the program headers lie outside the file");
  }
  std::vector<segment> loads;
  std::uint64_t dyn_off = 0, dyn_size = 0;
  for (std::uint16_t i = 0; i < phnum; ++i) {
    std::uint64_t ph = phoff + std::uint64_t{i} * phentsize;
    auto p_type = r.get<std::uint32_t>(ph);
    auto p_offset = r.get<std::uint64_t>(ph + 8);
    auto p_vaddr = r.get<std::uint64_t>(ph + 16);
    auto p_filesz = r.get<std::uint64_t>(ph + 32);
    if (p_type == 1) loads.push_back({p_vaddr, p_offset, p_filesz});
    if (p_type == pt_interp) {
      if (!r.fits(p_offset, p_filesz))
        return make_failure(elf_errc::truncated, name + ": PT_INTERP lies outside the file");
      info.interpreter = r.str(p_offset, p_filesz, 0);
    }
    if (p_type == pt_dynamic) {
      dyn_off = p_offset;
      dyn_size = p_filesz;
    }
  }
  info.shared_library = type == 3 && info.interpreter.empty();
  if (dyn_size == 0) {
    info.is_static = info.interpreter.empty();
    return info;
  }
  if (!r.fits(dyn_off, dyn_size))
    return make_failure(elf_errc::truncated, name + ": the dynamic section lies outside the file");
  // Dynamic entries hold virtual addresses: map them back to file offsets through PT_LOAD.
  auto to_offset = [&](std::uint64_t vaddr) -> std::uint64_t {
    for (const auto& s : loads) {
      if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return s.offset + (vaddr - s.vaddr);
    }
    return UINT64_MAX;
  };
  std::uint64_t strtab = 0, strsz = 0, verneed = 0, verneednum = 0;
  std::vector<std::uint64_t> needed_offsets;
  std::uint64_t runpath_off = UINT64_MAX;
  for (std::uint64_t at = dyn_off; at + 16 <= dyn_off + dyn_size; at += 16) {
    auto tag = r.get<std::int64_t>(at);
    auto val = r.get<std::uint64_t>(at + 8);
    if (tag == dt_null) break;
    if (tag == dt_needed) needed_offsets.push_back(val);
    if (tag == dt_strtab) strtab = to_offset(val);
    if (tag == dt_strsz) strsz = val;
    if (tag == dt_runpath || (tag == dt_rpath && runpath_off == UINT64_MAX)) runpath_off = val;
    if (tag == dt_verneed) verneed = to_offset(val);
    if (tag == dt_verneednum) verneednum = val;
  }
  if (strtab == UINT64_MAX || !r.fits(strtab, strsz)) {
    return make_failure(elf_errc::truncated,
                        name + ": the dynamic string table lies outside the file");
  }
  for (auto off : needed_offsets) info.needed.push_back(r.str(strtab, strsz, off));
  if (runpath_off != UINT64_MAX) info.runpath = r.str(strtab, strsz, runpath_off);
  // .gnu.version_r: Elf64_Verneed {vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next
  // u32}
  //                 Elf64_Vernaux {vna_hash u32, vna_flags u16, vna_other u16, vna_name u32,
  //                 vna_next u32}
  std::uint64_t at = verneed;
  for (std::uint64_t n = 0; n < verneednum && verneed != UINT64_MAX; ++n) {
    if (!r.fits(at, 16))
      return make_failure(elf_errc::truncated, name + ": the version needs lie outside the file");
    auto cnt = r.get<std::uint16_t>(at + 2);
    std::string file = r.str(strtab, strsz, r.get<std::uint32_t>(at + 4));
    std::uint64_t aux = at + r.get<std::uint32_t>(at + 8);
    for (std::uint16_t k = 0; k < cnt; ++k) {
      if (!r.fits(aux, 16))
        return make_failure(elf_errc::truncated, name + ": a version need lies outside the file");
      info.versions[file].insert(r.str(strtab, strsz, r.get<std::uint32_t>(aux + 8)));
      auto next = r.get<std::uint32_t>(aux + 12);
      if (next == 0) break;
      aux += next;
    }
    auto next = r.get<std::uint32_t>(at + 12);
    if (next == 0) break;
    at += next;
  }
  info.is_static = info.interpreter.empty() && info.needed.empty();
  return info;
}

std::vector<int> version_numbers(std::string_view tagged) {
  auto us = tagged.rfind('_');
  std::string_view v = us == std::string_view::npos ? tagged : tagged.substr(us + 1);
  std::vector<int> out;
  int cur = 0;
  bool any = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      any = true;
    } else if (c == '.') {
      out.push_back(cur);
      cur = 0;
    } else {
      break;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

bool version_newer(std::string_view a, std::string_view b) {
  return version_numbers(a) > version_numbers(b);
}

}  // namespace lambdakit::package
