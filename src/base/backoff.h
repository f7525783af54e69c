// backoff: the one exponential back-off of the tree (reconnects, retried calls).
#pragma once

#include <algorithm>
#include <chrono>

namespace lambdakit::base {

struct backoff_policy {
  int attempts = 8;                           // tries, the first included
  std::chrono::milliseconds first_pause{10};  // doubled after each failed try...
  std::chrono::milliseconds max_pause{1000};  // ...up to this
};

// Counts attempts and says how long to wait before each one. Usage:
//   for (base::backoff b(policy); b.next(pause_fn);) { if (try_once()) return ok; }
class backoff {
 public:
  explicit backoff(backoff_policy p) : p_(p), pause_(p.first_pause) {}

  // True while another attempt is allowed; before every attempt but the first it calls
  // pause(d) with the wait (which the caller sleeps, or records in a test).
  template <class Pause>
  bool next(Pause&& pause) {
    if (attempt_ >= p_.attempts) return false;
    if (attempt_ > 0) {
      pause(pause_);
      pause_ = std::min(pause_ * 2, p_.max_pause);
    }
    ++attempt_;
    return true;
  }

  int attempts_made() const { return attempt_; }
  const backoff_policy& policy() const { return p_; }

 private:
  backoff_policy p_;
  std::chrono::milliseconds pause_;
  int attempt_ = 0;
};

}  // namespace lambdakit::base
