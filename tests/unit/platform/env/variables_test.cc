#include "platform/env/variables.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/scoped_env.h"

namespace lambdakit::platform::env {
namespace {
using testing::scoped_env;

function_config hello() {
  function_config f;
  f.name = "hello";
  f.runtime = "provided.al2023";
  f.handler = "bootstrap";
  f.memory_mb = 512;
  return f;
}

variable_inputs inputs_for(const function_config& f) {
  variable_inputs in;
  in.fn = &f;
  in.region = "eu-west-1";
  in.task_root = "/var/task";
  in.tmp_dir = "/tmp";
  in.log_stream = "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef";
  in.host = {{"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"}};
  return in;
}

// NAME=value lines as a map; fails the test on a line without '=' or a name given twice.
std::map<std::string, std::string> as_map(const std::vector<std::string>& vars) {
  std::map<std::string, std::string> m;
  for (const auto& kv : vars) {
    auto eq = kv.find('=');
    EXPECT_NE(eq, std::string::npos) << kv;
    if (eq == std::string::npos) continue;
    EXPECT_TRUE(m.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) << "twice: " << kv;
  }
  return m;
}

TEST(LambdaVariables, AreLambdasOwn) {
  scoped_env path("PATH", std::nullopt);
  function_config f = hello();
  auto vars = lambda_variables(inputs_for(f));
  auto m = as_map(vars);
  std::map<std::string, std::string> want = {
      {"_HANDLER", "bootstrap"},
      {"AWS_REGION", "eu-west-1"},
      {"AWS_DEFAULT_REGION", "eu-west-1"},
      {"AWS_LAMBDA_FUNCTION_NAME", "hello"},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hello"},
      {"AWS_LAMBDA_LOG_STREAM_NAME", "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef"},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"},
      {"LAMBDA_TASK_ROOT", "/var/task"},
      {"AWS_ACCESS_KEY_ID", "lambdakit-local"},
      {"AWS_SECRET_ACCESS_KEY", "lambdakit-local"},
      {"AWS_SESSION_TOKEN", "lambdakit-local"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
      {"TMPDIR", "/tmp"},
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"LD_LIBRARY_PATH", "/var/task:/var/task/lib:/opt/lib"},
  };
  for (const auto& [k, v] : want) {
    ASSERT_TRUE(m.contains(k)) << k;
    EXPECT_EQ(m[k], v) << k;
  }
  EXPECT_TRUE(m.contains("LAMBDA_RUNTIME_DIR"));
  EXPECT_TRUE(m.contains("AWS_EXECUTION_ENV"));
  // Nothing of this process's own environment leaks in.
  for (const auto& [k, v] : m) {
    EXPECT_TRUE(want.contains(k) || k == "LAMBDA_RUNTIME_DIR" || k == "AWS_EXECUTION_ENV") << k;
  }
}

TEST(LambdaVariables, FollowTheInputs) {
  function_config f = hello();
  f.name = "other_fn";
  f.handler = "";
  f.memory_mb = 10240;
  variable_inputs in = inputs_for(f);
  in.region = "us-east-1";
  in.task_root = "/srv/functions/other_fn/code";
  in.tmp_dir = "/srv/functions/other_fn/tmp";
  auto m = as_map(lambda_variables(in));
  EXPECT_EQ(m["_HANDLER"], "");
  EXPECT_EQ(m["AWS_REGION"], "us-east-1");
  EXPECT_EQ(m["AWS_LAMBDA_FUNCTION_NAME"], "other_fn");
  EXPECT_EQ(m["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "10240");
  EXPECT_EQ(m["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/other_fn");
  EXPECT_EQ(m["LAMBDA_TASK_ROOT"], "/srv/functions/other_fn/code");
  EXPECT_EQ(m["TMPDIR"], "/srv/functions/other_fn/tmp");
  EXPECT_EQ(m["LD_LIBRARY_PATH"],
            "/srv/functions/other_fn/code:/srv/functions/other_fn/code/lib:/opt/lib");
  // Layers outside a sandbox: their real folder's lib/ and bin/ instead of /opt's.
  in.opt_dir = "/srv/opt/abc";
  m = as_map(lambda_variables(in));
  EXPECT_EQ(m["LD_LIBRARY_PATH"],
            "/srv/functions/other_fn/code:/srv/functions/other_fn/code/lib:/srv/opt/abc/lib");
  EXPECT_EQ(m["PATH"].rfind("/usr/local/bin:/usr/bin/:/bin:/srv/opt/abc/bin", 0), 0u) << m["PATH"];
}

TEST(LambdaVariables, ExecutionEnvNamesAManagedRuntime) {
  for (std::string runtime : {"python3.12", "nodejs22.x"}) {
    function_config f = hello();
    f.runtime = runtime;
    auto m = as_map(lambda_variables(inputs_for(f)));
    EXPECT_EQ(m["AWS_EXECUTION_ENV"], "AWS_Lambda_" + runtime);
  }
}

TEST(LambdaVariables, PathEndsWithThisMachinesPath) {
  struct {
    std::optional<std::string> host_path;
    const char* path;
  } cases[] = {
      {std::nullopt, "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"/home/u/bin:/usr/bin", "/usr/local/bin:/usr/bin/:/bin:/opt/bin:/home/u/bin:/usr/bin"},
  };
  function_config f = hello();
  for (const auto& c : cases) {
    scoped_env path("PATH", c.host_path);
    EXPECT_EQ(as_map(lambda_variables(inputs_for(f)))["PATH"], c.path);
  }
}

// Lambda's, then the host's, then the function's: each later one wins, and a name appears once.
TEST(LambdaVariables, HostThenFunctionOverride) {
  function_config f = hello();
  f.environment = {{"PATH", "/var/task/bin"},
                   {"LANG", "C.UTF-8"},
                   {"MY_VAR", "mine"},
                   {"PYTHONPATH", "/var/task/lib"}};
  variable_inputs in = inputs_for(f);
  in.host = {{"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"},
             {"PYTHONPATH", "/var/runtime"},
             {"NODE_PATH", "/var/runtime/node_modules"},
             {"TZ", "host-tz"}};
  auto vars = lambda_variables(in);
  auto m = as_map(vars);
  struct {
    const char* name;
    const char* value;
  } cases[] = {
      {"PATH", "/var/task/bin"},                   // the function's over Lambda's
      {"LANG", "C.UTF-8"},                         // the function's over Lambda's
      {"MY_VAR", "mine"},                          // the function's own
      {"PYTHONPATH", "/var/task/lib"},             // the function's over the host's
      {"NODE_PATH", "/var/runtime/node_modules"},  // the host's own
      {"TZ", "host-tz"},                           // the host's over Lambda's
      {"AWS_LAMBDA_FUNCTION_NAME", "hello"},
  };
  for (const auto& c : cases) EXPECT_EQ(m[c.name], c.value) << c.name;
  EXPECT_EQ(m.size(), vars.size());
}

TEST(NewLogStreamName, IsTodaysDateAndLatestAnd32Hex) {
  auto today = [] {
    std::time_t now = std::time(nullptr);
    char date[16];
    std::strftime(date, sizeof date, "%Y/%m/%d", std::gmtime(&now));
    return std::string(date);
  };
  std::set<std::string> names;
  for (int i = 0; i < 50; ++i) {
    std::string before = today();
    std::string name = new_log_stream_name();
    std::string after = today();
    ASSERT_TRUE(std::regex_match(name, std::regex(R"(\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32})")))
        << name;
    std::string date = name.substr(0, 10);
    EXPECT_TRUE(date == before || date == after) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 50u);
}

}  // namespace
}  // namespace lambdakit::platform::env
