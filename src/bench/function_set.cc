#include "bench/function_set.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "platform/store/code_store.h"

namespace lambdakit::bench {
namespace fs = std::filesystem;
namespace {

failure manifest_error(const fs::path& manifest, int line, const std::string& what) {
  return make_failure(std::make_error_code(std::errc::invalid_argument),
                      manifest.string() + ":" + std::to_string(line) + ": " + what +
                          " (each line: NAME<TAB>RUNTIME<TAB>HANDLER<TAB>ZIP<TAB>DESCRIPTION; "
                          "scripts/bench-functions writes it)");
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (std::size_t at = 0;;) {
    auto next = s.find(sep, at);
    out.emplace_back(s.substr(at, next - at));
    if (next == std::string_view::npos) return out;
    at = next + 1;
  }
}

result<std::string> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return make_failure(std::make_error_code(std::errc::no_such_file_or_directory),
                        "cannot read " + p.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

result<std::vector<function_spec>> read_manifest(const fs::path& manifest) {
  auto text = read_all(manifest);
  if (!text) {
    return make_failure(text.error().code, text.error().detail +
                                               ": run scripts/bench-functions to build the "
                                               "functions (make demo does)");
  }
  std::vector<function_spec> out;
  int number = 0;
  for (const auto& line : split(*text, '\n')) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    auto cols = split(line, '\t');
    if (cols.size() != 5) {
      return manifest_error(manifest, number,
                            std::to_string(cols.size()) + " columns where 5 belong");
    }
    for (std::size_t i = 0; i < 4; ++i) {
      if (cols[i].empty()) return manifest_error(manifest, number, "an empty column");
    }
    for (const auto& f : out) {
      if (f.name == cols[0]) return manifest_error(manifest, number, "\"" + cols[0] + "\" twice");
    }
    fs::path zip = cols[3];
    if (zip.is_relative()) zip = manifest.parent_path() / zip;
    out.push_back({cols[0], cols[1], cols[2], zip, cols[4]});
  }
  if (out.empty()) return manifest_error(manifest, number, "no functions");
  return out;
}

std::vector<std::string> missing_functions(const fs::path& manifest) {
  std::vector<std::string> out;
  auto text = read_all(manifest);
  if (!text) return out;
  constexpr std::string_view mark = "# missing: ";
  for (const auto& line : split(*text, '\n')) {
    if (line.starts_with(mark)) out.push_back(line.substr(mark.size()));
  }
  return out;
}

result<std::vector<function_spec>> select_functions(const std::vector<function_spec>& all,
                                                    std::string_view wanted) {
  if (wanted.empty()) return all;
  std::vector<bool> keep(all.size(), false);
  for (const auto& w : split(wanted, ',')) {
    if (w.empty()) continue;
    bool prefix = w.back() == '*';
    std::string_view stem = std::string_view(w).substr(0, prefix ? w.size() - 1 : w.size());
    bool any = false;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (prefix ? all[i].name.starts_with(stem) : all[i].name == stem) keep[i] = any = true;
    }
    if (!any) {
      std::string names;
      for (const auto& f : all) names += (names.empty() ? "" : ", ") + f.name;
      return make_failure(std::make_error_code(std::errc::invalid_argument),
                          "no function named \"" + w + "\"; there are: " + names);
    }
  }
  std::vector<function_spec> out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (keep[i]) out.push_back(all[i]);
  }
  return out;
}

result<function_code> load_code(const function_spec& f, const fs::path& scratch) {
  auto zip = read_all(f.zip);
  if (!zip) {
    return make_failure(zip.error().code, "function " + f.name + ": " + zip.error().detail +
                                              ": run scripts/bench-functions to build it");
  }
  fs::path dest = scratch / f.name;
  std::error_code ec;
  fs::remove_all(dest, ec);
  auto unzipped = platform::store::extract_zip(*zip, dest);
  if (!unzipped) {
    return make_failure(unzipped.error().code, "function " + f.name + ": " + f.zip.string() + ": " +
                                                   unzipped.error().detail);
  }
  function_code code;
  code.zip_bytes = zip->size();
  code.unzipped_bytes = *unzipped;
  std::error_code walk;
  for (fs::recursive_directory_iterator it(dest, walk), end; !walk && it != end;
       it.increment(walk)) {
    const auto& e = *it;
    if (e.is_symlink()) {  // re-zipping would turn it into a copy, or lose it
      fs::remove_all(dest, ec);
      return make_failure(std::make_error_code(std::errc::not_supported),
                          "function " + f.name + ": " + f.zip.string() +
                              " holds a symbolic link, " +
                              fs::relative(e.path(), dest).generic_string() +
                              ", which bench cannot re-zip: package without links");
    }
    if (!e.is_regular_file()) continue;  // directories come back with their files
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) {
      return make_failure(std::error_code(errno, std::generic_category()), e.path().string());
    }
    auto data = read_all(e.path());
    if (!data) return std::move(data).error();
    code.files.push_back({fs::relative(e.path(), dest).generic_string(), std::move(*data),
                          static_cast<std::uint32_t>(st.st_mode & 07777)});
  }
  fs::remove_all(dest, ec);
  if (walk) return make_failure(walk, "function " + f.name + ": reading its files");
  return code;
}

std::string fresh_zip(const function_code& code, std::string_view nonce) {
  std::vector<package::zip_entry> files = code.files;
  files.push_back({".lambdakit-nonce", std::string(nonce), 0644});
  return package::make_zip(std::move(files));
}

}  // namespace lambdakit::bench
