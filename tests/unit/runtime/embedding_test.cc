#include "runtime/embedding.h"

#include <gtest/gtest.h>

#include <optional>

#include "lambdakit/lambdakit.h"

namespace lambdakit::runtime {
namespace {

std::optional<embedded_function>& got() {
  static std::optional<embedded_function> f;
  return f;
}

void keep(embedded_function&& f) {
  got() = std::move(f);
}

class embedding_test : public ::testing::Test {
 protected:
  void SetUp() override {
    got().reset();
    previous_ = set_capture(keep);
  }
  void TearDown() override { set_capture(previous_); }
  capture_fn previous_ = nullptr;
};

TEST_F(embedding_test, RunHandsThePlainHandlerAndOptionsOverAndReturnsAtOnce) {
  bool init_ran = false;
  run_options options;
  options.init = [&] { init_ran = true; };
  int rc =
      lambdakit::run([](const invocation& inv) { return response::json(inv.payload); }, options);
  EXPECT_EQ(rc, 0);
  ASSERT_TRUE(got());
  ASSERT_TRUE(got()->plain);
  EXPECT_FALSE(got()->streaming);
  EXPECT_FALSE(init_ran);  // the host runs Init when it decides to
  got()->options.init();
  EXPECT_TRUE(init_ran);
  invocation inv;
  inv.payload = "[1]";
  EXPECT_EQ(got()->plain(inv).get_response().body(), "[1]");
}

TEST_F(embedding_test, RunHandsTheStreamingHandlerOver) {
  int rc = lambdakit::run([](const invocation&, response_writer& w) { w.write("x"); });
  EXPECT_EQ(rc, 0);
  ASSERT_TRUE(got());
  EXPECT_FALSE(got()->plain);
  EXPECT_TRUE(got()->streaming);
}

TEST(Embedding, WithoutACaptureRunServesAndSaysHowItWasStarted) {
  ASSERT_EQ(current_capture(), nullptr);
  // No start-up variable here: run() looks for a transport and returns bad_environment.
  ::unsetenv("AWS_LAMBDA_RUNTIME_API");
  ::unsetenv("_LAMBDA_SERVER_PORT");
  EXPECT_EQ(lambdakit::run([](const invocation&) { return response(); }),
            exit_code::bad_environment);
}

}  // namespace
}  // namespace lambdakit::runtime
