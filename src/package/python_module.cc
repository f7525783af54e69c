#include "package/python_module.h"

namespace lambdakit::package {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "3.12" -> 12; 0 when it is not 3.X.
int minor_of(std::string_view version) {
  if (version.rfind("3.", 0) != 0 || version.size() < 3) return 0;
  int minor = 0;
  for (char c : version.substr(2)) {
    if (c < '0' || c > '9') return 0;
    minor = minor * 10 + (c - '0');
  }
  return minor;
}

}  // namespace

bool is_libpython(std::string_view library) {
  return library.rfind("libpython", 0) == 0;
}

module_file parse_module_file(std::string_view name) {
  module_file f;
  auto dot = name.find('.');
  f.module = std::string(name.substr(0, dot));
  if (dot == std::string_view::npos) return f;
  std::string_view rest = name.substr(dot + 1);  // "abi3.so", "cpython-311-....so", "so"
  if (rest.size() > 3 && rest.substr(rest.size() - 3) == ".so")
    f.tag = std::string(rest.substr(0, rest.size() - 3));
  else if (rest != "so")
    f.tag = std::string(rest);
  return f;
}

std::vector<std::string> check_python_module(const elf_info& bin, const module_file& file,
                                             const target& t, const std::string& lambda_arch) {
  std::vector<std::string> problems;
  const std::string& m = file.module;
  int minor = minor_of(t.python);
  std::string cp = "cpython-3" + std::to_string(minor) + "-" +
                   (lambda_arch == "arm64" ? "aarch64" : "x86_64") + "-linux-gnu";
  if (!bin.shared_library) {
    problems.push_back(m +
                       " is an executable, not a shared library: a python3.x function is a "
                       "module (build it with lambdakit_add_function(... RUNTIME " +
                       t.runtime + ")), or package this binary for provided.al2023");
    return problems;
  }
  if (!is_identifier(m)) {
    problems.push_back("\"" + m +
                       "\" is not a Python module name (letters, digits and _, not starting "
                       "with a digit): rename the target, since the Handler is <module>.handler");
  } else if (is_stdlib_module(m) || m == "awslambdaric" || m == "simplejson") {
    problems.push_back("the module name " + m +
                       " is taken by the Python runtime (standard library or its runtime "
                       "client); Lambda puts the task root first on sys.path, so the runtime "
                       "would import this module instead: rename the target");
  }
  if (file.tag == "abi3") {
    if (minor < 12) {
      problems.push_back(m + " is built for the stable ABI of Python 3.12 (" + m +
                         ".abi3.so), which python3." + std::to_string(minor) +
                         " cannot load: build for " + t.runtime + " (a " + m + "." + cp +
                         ".so), or deploy to python3.12 or later");
    }
  } else if (file.tag.rfind("cpython-", 0) == 0) {
    if (file.tag != cp) {
      problems.push_back(m + " is built for " + file.tag + ", but " + t.runtime + " on " +
                         lambda_arch + " loads " + cp + (minor >= 12 ? " or abi3" : "") +
                         " modules: rebuild with lambdakit_add_function(... RUNTIME " + t.runtime +
                         ")");
    }
  } else {
    problems.push_back(m + (file.tag.empty() ? ".so" : "." + file.tag) +
                       " does not say which Python ABI it is built for: name it " + m + "." + cp +
                       ".so" + (minor >= 12 ? " or " + m + ".abi3.so" : "") +
                       " as its build made it (lambdakit_add_function names it so)");
  }
  for (const auto& lib : bin.needed) {
    if (is_libpython(lib)) {
      problems.push_back(m + " links " + lib +
                         ", which Lambda's Python runtime does not have as a library (its "
                         "interpreter is static): do not link libpython; an extension module's "
                         "Py* symbols bind to the interpreter at import");
    }
  }
  if (!bin.exports.contains("PyInit_" + m)) {
    problems.push_back(m + " does not export PyInit_" + m + ", so `import " + m +
                       "` fails: the file name must be the module's "
                       "(the name its build gave it)");
  }
  return problems;
}

}  // namespace lambdakit::package
