#include "aws/credentials.h"

#include <cstdlib>
#include <fstream>
#include <map>

namespace lambdakit::aws {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string home_file(const char* override_var, const char* rel) {
  if (auto v = env(override_var); !v.empty()) return v;
  return env("HOME") + "/.aws/" + rel;
}

std::string strip(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The key = value pairs of one [section] of an INI file.
std::map<std::string, std::string> ini_section(const std::string& path, const std::string& name) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    line = strip(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      inside = strip(line.substr(1, line.size() - 2)) == name;
      continue;
    }
    auto eq = line.find('=');
    if (inside && eq != std::string::npos)
      out[strip(line.substr(0, eq))] = strip(line.substr(eq + 1));
  }
  return out;
}

std::string profile() {
  auto p = env("AWS_PROFILE");
  return p.empty() ? "default" : p;
}

}  // namespace

std::optional<found_credentials> find_credentials() {
  found_credentials f;
  f.keys.access_key_id = env("AWS_ACCESS_KEY_ID");
  f.keys.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  if (!f.keys.access_key_id.empty() && !f.keys.secret_access_key.empty()) {
    f.keys.session_token = env("AWS_SESSION_TOKEN");
    f.source = "environment";
    return f;
  }
  std::string path = home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
  auto s = ini_section(path, profile());
  if (s.contains("aws_access_key_id") && s.contains("aws_secret_access_key")) {
    f.keys.access_key_id = s["aws_access_key_id"];
    f.keys.secret_access_key = s["aws_secret_access_key"];
    f.keys.session_token = s["aws_session_token"];
    f.source = path + " [" + profile() + "]";
    return f;
  }
  return std::nullopt;
}

std::string find_region() {
  if (auto r = env("AWS_REGION"); !r.empty()) return r;
  if (auto r = env("AWS_DEFAULT_REGION"); !r.empty()) return r;
  std::string section = profile() == "default" ? "default" : "profile " + profile();
  auto s = ini_section(home_file("AWS_CONFIG_FILE", "config"), section);
  return s["region"];
}

}  // namespace lambdakit::aws
