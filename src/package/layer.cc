#include "package/layer.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "package/elf.h"
#include "package/targets.h"
#include "package/zip_writer.h"

namespace lambdakit::package {
namespace fs = std::filesystem;

bool parse_layer_kind(const std::string& s, layer_kind& out) {
  if (s == "lib") {
    out = layer_kind::library;
  } else if (s == "extension") {
    out = layer_kind::extension;
  } else {
    return false;
  }
  return true;
}

result<package_report> package_layer(const layer_options& o) {
  const target* t = find_target(o.runtime);
  if (t == nullptr) {
    return make_failure(package_errc::unsupported_runtime,
                        "\"" + o.runtime +
                            "\" is not a Lambda runtime lambdakit packages for; it "
                            "packages " +
                            packaged_runtimes());
  }
  if (o.arch != "x86_64" && o.arch != "arm64") {
    return make_failure(package_errc::unsupported_runtime,
                        "--arch must be x86_64 or arm64, not \"" + o.arch + "\"");
  }
  if (o.files.empty()) {
    return make_failure(package_errc::unreadable_input, "no files to put in the layer");
  }
  bool library = o.kind == layer_kind::library;
  std::vector<zip_entry> entries;
  std::vector<std::string> problems;
  package_report report;
  for (const auto& file : o.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return make_failure(package_errc::unreadable_input,
                          file.string() + ": " + std::strerror(errno));
    }
    std::stringstream buf;
    buf << in.rdbuf();
    std::string image = buf.str();
    std::string name = file.filename().string();
    bool script = image.rfind("#!", 0) == 0;
    if (script && !library) {
      // An extension may be a script; its interpreter must be in the runtime (or a layer).
      report.linkage += (report.linkage.empty() ? "" : "; ") + name + ": script";
    } else {
      auto elf = read_elf(image, file.string());
      if (!elf) return make_failure(package_errc::not_a_binary, elf.error().message());
      if (library && !elf->shared_library) {
        problems.push_back(name +
                           " is an executable, not a shared library: --layer lib takes .so files "
                           "(an extension goes in --layer extension)");
      } else if (!library && elf->shared_library) {
        problems.push_back(name +
                           " is a shared library, not an executable: --layer extension takes "
                           "programs Lambda runs (a library goes in --layer lib)");
      }
      auto found = check_binary(*elf, name, *t, o.arch);
      problems.insert(problems.end(), found.begin(), found.end());
      report.linkage += (report.linkage.empty() ? "" : "; ") + name + ": " +
                        (elf->is_static ? "static" : "dynamic");
    }
    std::string entry = (library ? "lib/" : "extensions/") + name;
    report.unzipped_bytes += image.size();
    report.entries.push_back(entry + " (0755, " + std::to_string(image.size()) + " bytes)");
    entries.push_back({entry, std::move(image), 0755});
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += "\n  - " + p;
    return make_failure(package_errc::wont_start, "on " + o.runtime + " (" + o.arch + "):" + all);
  }
  if (auto problem = entry_name_problem(entries); !problem.empty())
    return make_failure(package_errc::wont_start, problem + ": rename one of the files");
  if (report.unzipped_bytes > 262144000) {
    return make_failure(package_errc::too_large,
                        "the layer is " + std::to_string(report.unzipped_bytes) +
                            " bytes unzipped; Lambda takes at most 262144000 for a function "
                            "and its layers together");
  }
  std::string zip = make_zip(std::move(entries));
  if (zip.size() > 52428800) {
    return make_failure(package_errc::too_large,
                        "the zip is " + std::to_string(zip.size()) +
                            " bytes; Lambda takes at most 52428800 (upload it through S3)");
  }
  if (auto w = write_atomically(o.output, zip); !w) return std::move(w).error();
  report.zip = o.output;
  report.zip_bytes = zip.size();
  report.handler = "";  // a layer has none
  return report;
}

}  // namespace lambdakit::package
