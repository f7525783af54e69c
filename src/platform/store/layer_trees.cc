#include "platform/store/layer_trees.h"

#include <unistd.h>

#include "base/random.h"

namespace lambdakit::platform::store {
namespace fs = std::filesystem;
namespace {

failure io_failure(const std::string& what, const std::error_code& ec) {
  return make_failure(code_errc::io_error, what + ": " + ec.message());
}

// Lays the tree `from` over `to`: folders merge, anything else replaces what was there.
result<void> overlay(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(from, ec), end; it != end; it.increment(ec)) {
    if (ec) return io_failure("reading " + from.string(), ec);
    fs::path target = to / it->path().lexically_relative(from);
    auto status = it->symlink_status(ec);
    if (fs::is_directory(status)) {
      if (!fs::is_directory(fs::symlink_status(target, ec))) {
        fs::remove_all(target, ec);
        fs::create_directory(target, ec);
        if (ec) return io_failure("creating " + target.string(), ec);
        fs::permissions(target, fs::perms(0755), ec);
      }
      continue;
    }
    fs::remove_all(target, ec);  // a later layer's file wins
    if (fs::is_symlink(status)) {
      fs::copy_symlink(it->path(), target, ec);
    } else if (fs::is_regular_file(status)) {
      fs::create_hard_link(it->path(), target, ec);
      if (ec) fs::copy_file(it->path(), target, ec);  // another file system: a copy
      if (!ec) fs::permissions(target, status.permissions(), ec);
    }
    if (ec) return io_failure("placing " + target.string(), ec);
  }
  // A failed step (construction, increment) ends the loop with `ec` set: not a whole tree.
  if (ec) return io_failure("reading " + from.string(), ec);
  return {};
}

}  // namespace

layer_trees::layer_trees(const fs::path& state_dir, const code_store& code)
    : dir_(state_dir / "opt"), code_(code) {}

std::string layer_trees::key(const std::vector<layer_ref>& layers) {
  std::string list;
  for (const auto& l : layers) list += l.code_sha256 + "\n";
  return sha256_hex_of(list);
}

result<fs::path> layer_trees::ensure(const std::vector<layer_ref>& layers) {
  std::string k = key(layers);
  fs::path tree = dir_ / k;
  std::error_code ec;
  if (built_.contains(k) && fs::is_directory(tree, ec)) return tree;
  if (fs::is_directory(tree, ec)) {  // built by an earlier run (renamed in only when complete)
    built_.insert(k);
    return tree;
  }
  fs::create_directories(dir_, ec);
  fs::path staging = dir_ / (".staging-" + base::random_hex(16) + "-" + std::to_string(::getpid()));
  fs::create_directory(staging, ec);
  if (ec) return io_failure("creating " + staging.string(), ec);
  fs::permissions(staging, fs::perms(0755), ec);
  for (const auto& l : layers) {
    fs::path from = code_.task_root(l.code_sha256);
    if (!code_.contains(l.code_sha256)) {
      fs::remove_all(staging, ec);
      return make_failure(code_errc::io_error,
                          "the code of layer " + l.arn + " is missing from the code store");
    }
    if (auto r = overlay(from, staging); !r) {
      fs::remove_all(staging, ec);
      return std::move(r).error();
    }
  }
  fs::rename(staging, tree, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    if (!fs::is_directory(tree, ec)) return io_failure("storing " + tree.string(), ec);
  }
  built_.insert(k);
  return tree;
}

std::size_t layer_trees::collect(const std::set<std::string>& keep) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!keep.contains(it->path().filename().string())) doomed.push_back(it->path());
  }
  for (const auto& p : doomed) fs::remove_all(p, ec);
  return doomed.size();
}

}  // namespace lambdakit::platform::store
