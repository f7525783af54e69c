#include "package/bundle.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/child.h"
#include "base/path_lookup.h"
#include "package/packager.h"

namespace lambdakit::package {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> library_dirs(const elf_info& bin) {
  std::vector<fs::path> dirs;
  std::istringstream runpath(bin.runpath);
  std::string d;
  while (std::getline(runpath, d, ':')) {
    if (!d.empty() && d.find("$ORIGIN") == std::string::npos) dirs.emplace_back(d);
  }
  if (bin.machine == "aarch64") {
    for (const char* p : {"/usr/aarch64-linux-gnu/lib", "/lib/aarch64-linux-gnu",
                          "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64"}) {
      dirs.emplace_back(p);
    }
  } else {
    for (const char* p : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                          "/usr/lib64", "/lib", "/usr/lib"}) {
      dirs.emplace_back(p);
    }
  }
  return dirs;
}

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return static_cast<bool>(in) || in.eof();
}

}  // namespace

result<bundle> bundle_libraries(const std::string& image, const elf_info& bin,
                                const std::string& name) {
  bundle out;
  if (bin.is_static) {
    out.binary = image;  // nothing to bundle
    return out;
  }
  auto dirs = library_dirs(bin);
  std::set<std::string> seen;
  std::deque<std::string> todo(bin.needed.begin(), bin.needed.end());
  while (!todo.empty()) {
    std::string lib = todo.front();
    todo.pop_front();
    if (!seen.insert(lib).second) continue;
    if (lib.find('/') != std::string::npos) {
      // Linked by path, not by name: the loader would look for exactly that path on Lambda.
      return make_failure(package_errc::wont_start,
                          name + " needs the library by its path \"" + lib +
                              "\", which cannot be bundled in lib/: give that library a SONAME "
                              "(-Wl,-soname,libname.so) and link it with -L DIR -l NAME");
    }
    fs::path found;
    for (const auto& d : dirs) {
      std::error_code ec;
      if (fs::is_regular_file(d / lib, ec)) {
        found = d / lib;
        break;
      }
    }
    if (found.empty()) {
      return make_failure(package_errc::wont_start,
                          name + " needs " + lib + ", which is not on this machine in " +
                              (dirs.empty() ? std::string() : dirs.front().string()) +
                              " or the system library folders: install it, or link it statically");
    }
    std::string data;
    if (!read_file(found, data)) {
      return make_failure(package_errc::unreadable_input,
                          found.string() + ": " + std::strerror(errno));
    }
    auto lib_elf = read_elf(data, found.string());
    if (!lib_elf) return make_failure(package_errc::not_a_binary, lib_elf.error().message());
    if (lib_elf->machine != bin.machine) {
      return make_failure(package_errc::wont_start, found.string() + " is for " + lib_elf->machine +
                                                        ", " + name + " for " + bin.machine +
                                                        ": install the " + bin.machine +
                                                        " libraries (Debian: libc6-<arch>-cross)");
    }
    for (const auto& n : lib_elf->needed) todo.push_back(n);
    out.libraries.push_back({"lib/" + lib, std::move(data), 0755});
  }
  // The loader: the one the binary names, bundled under its own file name.
  fs::path interp = bin.interpreter;
  if (bin.machine == "aarch64" && !fs::exists(interp)) {
    interp = fs::path("/usr/aarch64-linux-gnu/lib") / interp.filename();
  }
  std::string loader;
  if (!read_file(interp, loader)) {
    return make_failure(package_errc::wont_start,
                        name + "'s loader " + bin.interpreter + " is not on this machine");
  }
  std::string loader_name = interp.filename().string();
  if (!seen.contains(loader_name)) out.libraries.push_back({"lib/" + loader_name, loader, 0755});

  // patchelf works on files: a private copy in a folder of our own (mkdtemp: 0700, unique).
  std::string dir_template = (fs::temp_directory_path() / "lambdakit-bundle-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    return make_failure(
        package_errc::unwritable_output,
        dir_template + ": " + std::strerror(errno) + " (set TMPDIR to a writable folder)");
  }
  fs::path tmp_dir = dir_template;
  fs::path tmp = tmp_dir / "bootstrap";
  std::error_code ec;
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(image.data(), static_cast<std::streamsize>(image.size()));
    if (!f.flush()) {
      fs::remove_all(tmp_dir, ec);
      return make_failure(package_errc::unwritable_output,
                          tmp.string() + ": " + std::strerror(errno));
    }
  }
  // DT_RPATH (not RUNPATH): it also applies to the libraries' own dependencies, so nothing is
  // taken from the target's /lib64 behind our back.
  auto r = base::run_tool(
      {"patchelf", "--set-interpreter", std::string(task_root) + "/lib/" + loader_name,
       "--force-rpath", "--set-rpath", "$ORIGIN/lib", tmp.string()},
      false);
  bool ok = r && r->exit_code == 0 && read_file(tmp, out.binary);
  fs::remove_all(tmp_dir, ec);
  if (!ok) {
    return make_failure(package_errc::wont_start,
                        r ? "patchelf could not rewrite " + name + "'s loader path"
                          : "--bundle-libraries needs patchelf in PATH (Debian: apt-get install "
                            "patchelf)");
  }
  return out;
}

}  // namespace lambdakit::package
