// lambdakit's one std::error_category class. Each error enum names its category and gives a
// describe() function, a switch over the enum, so the compiler checks that every value has a
// message (-Wswitch); make_error_code(e) is then `return category.make(e);`.
#pragma once

#include <string>
#include <system_error>

namespace lambdakit::base {

template <class Enum>
class enum_category final : public std::error_category {
 public:
  using describe_fn = const char* (*)(Enum) noexcept;
  enum_category(const char* name, describe_fn describe) noexcept
      : name_(name), describe_(describe) {}

  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override { return describe_(static_cast<Enum>(ev)); }
  std::error_code make(Enum e) const noexcept { return {static_cast<int>(e), *this}; }

 private:
  const char* name_;
  describe_fn describe_;
};

}  // namespace lambdakit::base
