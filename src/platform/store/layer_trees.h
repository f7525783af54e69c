// The /opt an environment sees: its function's layers unpacked in order into one tree, a later
// layer's file winning over an earlier one's (as on Lambda). A tree is made of hard links into
// the code store's extracted layers (copies where links cannot be made), kept under
// <state_dir>/opt/<key>, the key being the SHA-256 of the ordered list of layer codes: functions
// with the same layers share one tree, and a tree never changes once built.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "platform/function.h"
#include "platform/store/code_store.h"

namespace lambdakit::platform::store {

class layer_trees {
 public:
  // `code` must outlive it.
  layer_trees(const std::filesystem::path& state_dir, const code_store& code);

  // The tree of `layers`, built first if need be (no layers: an empty tree, so that /opt in a
  // sandbox is empty, as on Lambda).
  result<std::filesystem::path> ensure(const std::vector<layer_ref>& layers);

  // At start, before any environment runs: removes half-built trees and every tree whose key
  // is not in `keep`. Returns how many went.
  std::size_t collect(const std::set<std::string>& keep);

  static std::string key(const std::vector<layer_ref>& layers);

 private:
  std::filesystem::path dir_;
  const code_store& code_;
  std::set<std::string> built_;  // keys known to be complete on disk
};

}  // namespace lambdakit::platform::store
