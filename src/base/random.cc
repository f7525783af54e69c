#include "base/random.h"

#include <random>

namespace lambdakit::base {
namespace {

std::mt19937_64& engine() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  return rng;
}

constexpr char hex_digits[] = "0123456789abcdef";

}  // namespace

std::string random_hex(std::size_t n) {
  std::string s(n, '0');
  auto& rng = engine();
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 16 == 0) bits = rng();
    s[i] = hex_digits[bits & 15];
    bits >>= 4;
  }
  return s;
}

double random_unit() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine());
}

std::string random_uuid() {
  std::string h = random_hex(32);
  h[12] = '4';
  h[16] = hex_digits[8 + (static_cast<unsigned>(h[16]) & 3)];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace lambdakit::base
