// How the service starts each runtime family (runtimes.h): the command, its variables and the
// channel its protocol needs; and the entrypoint checks with Lambda's messages.
#include "platform/env/runtimes.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace lambdakit::platform::env {
namespace {
using lambdakit::testing::temp_dir;
using lambdakit::testing::write_executable;
using lambdakit::testing::write_file;

function_config function_of(std::string runtime, std::string handler) {
  function_config fn;
  fn.name = "f";
  fn.runtime = std::move(runtime);
  fn.handler = std::move(handler);
  return fn;
}

struct runtimes_test : ::testing::Test {
  temp_dir dir;
  runtime_hosts hosts;
  result<launch> command(const function_config& fn) {
    return runtime_command(fn, dir / "task", "/var/task", "/var/runtime", hosts);
  }
};

TEST_F(runtimes_test, CustomRuntimeRunsTheBootstrapOverTheRuntimeApi) {
  write_executable(dir / "task/bootstrap", "#!/bin/sh\n");
  auto l = command(function_of("provided.al2023", "ignored"));
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->argv, std::vector<std::string>{"/var/task/bootstrap"});
  EXPECT_EQ(l->channel, channel_kind::runtime_api);
}

TEST_F(runtimes_test, CustomRuntimeWithoutBootstrapIsAnInvalidEntrypoint) {
  std::filesystem::create_directories(dir / "task");
  auto l = command(function_of("provided.al2", "bootstrap"));
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, runtime_errc::invalid_entrypoint);
  EXPECT_EQ(l.error().detail,
            "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
}

TEST_F(runtimes_test, Go1xRunsTheHandlersExecutableOverNetRpc) {
  write_executable(dir / "task/hello", "#!/bin/sh\n");
  auto l = command(function_of("go1.x", "hello"));
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->argv, std::vector<std::string>{"/var/task/hello"});
  EXPECT_EQ(l->channel, channel_kind::go1x);
  EXPECT_TRUE(l->env.empty());  // the channel adds _LAMBDA_SERVER_PORT
}

TEST_F(runtimes_test, Go1xHandlerMayNameAFileInAFolder) {
  write_executable(dir / "task/bin/hello", "#!/bin/sh\n");
  auto l = command(function_of("go1.x", "bin/hello"));
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->argv, std::vector<std::string>{"/var/task/bin/hello"});
}

TEST_F(runtimes_test, Go1xMissingHandlerFailsAsGoDoes) {
  std::filesystem::create_directories(dir / "task");
  auto l = command(function_of("go1.x", "main"));
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, runtime_errc::invalid_entrypoint);
  EXPECT_EQ(l.error().detail, "fork/exec /var/task/main: no such file or directory");
}

TEST_F(runtimes_test, Go1xHandlerThatIsNotExecutableIsRefused) {
  write_file(dir / "task/main", "not a program");
  auto l = command(function_of("go1.x", "main"));
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().detail, "fork/exec /var/task/main: permission denied");
}

TEST_F(runtimes_test, Go1xHandlerOutsideTheTaskRootIsRefused) {
  write_executable(dir / "outside", "#!/bin/sh\n");
  for (const char* handler : {"../outside", "/bin/sh", "", "a/../../outside"}) {
    auto l = command(function_of("go1.x", handler));
    ASSERT_FALSE(l) << handler;
    EXPECT_EQ(l.error().code, runtime_errc::invalid_entrypoint) << handler;
    EXPECT_NE(l.error().detail.find("must name an executable inside the zip"), std::string::npos)
        << l.error().detail;
  }
}

TEST_F(runtimes_test, PythonAndNodeSpeakTheRuntimeApi) {
  hosts.python = "/usr/bin/python3";
  hosts.node = "/usr/bin/node";
  auto py = command(function_of("python3.12", "app.handler"));
  ASSERT_TRUE(py) << py.error().message();
  EXPECT_EQ(py->channel, channel_kind::runtime_api);
  auto js = command(function_of("nodejs22.x", "index.handler"));
  ASSERT_TRUE(js) << js.error().message();
  EXPECT_EQ(js->channel, channel_kind::runtime_api);
}

TEST_F(runtimes_test, PythonAndNodeFindModulesInLayersAsOnLambda) {
  hosts.python = "/usr/bin/python3";
  hosts.node = "/usr/bin/node";
  auto env_of = [](const launch& l, const std::string& k) {
    for (const auto& [name, value] : l.env)
      if (name == k) return value;
    return std::string("(unset)");
  };
  auto py = runtime_command(function_of("python3.12", "app.handler"), dir / "task", "/var/task",
                            "/var/runtime", hosts, "/opt");
  ASSERT_TRUE(py) << py.error().message();
  EXPECT_EQ(env_of(*py, "PYTHONPATH"),
            "/var/task:/opt/python/lib/python3.12/site-packages:/opt/python");
  auto js = runtime_command(function_of("nodejs22.x", "index.handler"), dir / "task", "/var/task",
                            "/var/runtime", hosts, "/opt");
  ASSERT_TRUE(js) << js.error().message();
  EXPECT_EQ(env_of(*js, "NODE_PATH"),
            "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/task");
}

TEST_F(runtimes_test, EveryRegistryRuntimeIsServed) {
  EXPECT_TRUE(known_runtime("go1.x"));
  EXPECT_TRUE(known_runtime("provided"));
  EXPECT_TRUE(known_runtime(""));  // a zip with a bootstrap
  EXPECT_FALSE(known_runtime("java21"));
  EXPECT_NE(runtimes_help().find("go1.x runs the executable its Handler names"), std::string::npos);
}

}  // namespace
}  // namespace lambdakit::platform::env
