#include "platform/env/sandbox.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace lambdakit::platform::env {
namespace {
namespace fs = std::filesystem;

TEST(SandboxMode, Names) {
  struct {
    sandbox_mode m;
    const char* name;
  } cases[] = {
      {sandbox_mode::none, "none"},
      {sandbox_mode::namespaces, "namespaces"},
      {sandbox_mode::hermetic, "hermetic"},
  };
  for (const auto& c : cases) EXPECT_EQ(name(c.m), c.name);
}

// Hermetic only for the function's own bootstrap: a program of this machine needs its files.
TEST(Sandbox, ForCommandKeepsHermeticForTheBootstrapOnly) {
  const fs::path bootstrap = "/var/task/bootstrap";
  struct {
    sandbox_mode mode;
    fs::path program;
    sandbox_mode expected;
  } cases[] = {
      {sandbox_mode::hermetic, bootstrap, sandbox_mode::hermetic},
      {sandbox_mode::hermetic, "/usr/bin/python3", sandbox_mode::namespaces},
      {sandbox_mode::hermetic, "/usr/bin/qemu-aarch64-static", sandbox_mode::namespaces},
      {sandbox_mode::hermetic, "/var/task/other", sandbox_mode::namespaces},
      {sandbox_mode::namespaces, bootstrap, sandbox_mode::namespaces},
      {sandbox_mode::namespaces, "/usr/bin/node", sandbox_mode::namespaces},
      {sandbox_mode::none, bootstrap, sandbox_mode::none},
      {sandbox_mode::none, "/usr/bin/node", sandbox_mode::none},
  };
  for (const auto& c : cases) {
    sandbox s;
    s.mode = c.mode;
    EXPECT_EQ(s.for_command(c.program, bootstrap), c.expected) << name(c.mode) << " " << c.program;
  }
}

TEST(SandboxedArgv, IsTheLauncherProtocol) {
  sandbox s;
  s.launcher = "/usr/bin/lambdakit-launcher";
  s.staging = "/state/sandbox-root";
  const std::string ric = "/usr/lib/node_modules/aws-lambda-ric/bin/index.mjs";
  runtime_hosts none;
  runtime_hosts builtin;
  builtin.builtin = "/state/runtimes";
  runtime_hosts node = builtin;
  node.node = "/usr/bin/node";
  node.node_ric = ric;
  runtime_hosts ric_elsewhere = node;  // $LAMBDAKIT_AWS_LAMBDA_RIC: a package folder anywhere
  ric_elsewhere.node_ric = "/opt/ric/node_modules/aws-lambda-ric/bin/index.mjs";
  struct {
    const char* name;
    sandbox_mode m;
    runtime_hosts hosts;
    std::vector<std::string> argv, expected;
  } cases[] = {
      {"a bootstrap, no built-in runtimes",
       sandbox_mode::hermetic,
       none,
       {"/var/task/bootstrap"},
       {"--sandbox=hermetic", "/fn/code", "/fn/tmp", "-", "/state/sandbox-root", "--",
        "/var/task/bootstrap"}},
      {"built-in runtimes",
       sandbox_mode::namespaces,
       builtin,
       {"/usr/bin/python3", "/var/runtime/python_bootstrap.py", "app.handler"},
       {"--sandbox=namespaces", "/fn/code", "/fn/tmp", "/state/runtimes", "/state/sandbox-root",
        "--", "/usr/bin/python3", "/var/runtime/python_bootstrap.py", "app.handler"}},
      {"aws-lambda-ric moves to /var/runtime/node_modules",
       sandbox_mode::namespaces,
       node,
       {"/usr/bin/node", ric, "index.handler"},
       {"--sandbox=namespaces", "/fn/code", "/fn/tmp", "/state/runtimes", "/state/sandbox-root",
        "--bind=/usr/lib/node_modules:/var/runtime/node_modules", "--", "/usr/bin/node",
        "/var/runtime/node_modules/aws-lambda-ric/bin/index.mjs", "index.handler"}},
      {"aws-lambda-ric from its own folder",
       sandbox_mode::namespaces,
       ric_elsewhere,
       {"/usr/bin/node", ric_elsewhere.node_ric, "index.handler"},
       {"--sandbox=namespaces", "/fn/code", "/fn/tmp", "/state/runtimes", "/state/sandbox-root",
        "--bind=/opt/ric/node_modules:/var/runtime/node_modules", "--", "/usr/bin/node",
        "/var/runtime/node_modules/aws-lambda-ric/bin/index.mjs", "index.handler"}},
      {"no bind when the command does not use aws-lambda-ric",
       sandbox_mode::namespaces,
       node,
       {"/var/task/bootstrap"},
       {"--sandbox=namespaces", "/fn/code", "/fn/tmp", "/state/runtimes", "/state/sandbox-root",
        "--", "/var/task/bootstrap"}},
      {"arguments pass untouched",
       sandbox_mode::none,
       none,
       {"/var/task/bootstrap", "--", "a b", ""},
       {"--sandbox=none", "/fn/code", "/fn/tmp", "-", "/state/sandbox-root", "--",
        "/var/task/bootstrap", "--", "a b", ""}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sandboxed_argv(s, c.m, "/fn/code", "/fn/tmp", c.hosts, c.argv), c.expected) << c.name;
  }
}

// As root: the state directory hidden (namespaces mode), the uid dropped, and a program below a
// folder others cannot search (root's home holding pyenv, say) revealed, alone.
TEST(SandboxedArgv, HidesTheStateDropsTheUserAndRevealsWhatTheRuntimeRuns) {
  testing::temp_dir tmp;
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::others_exec);
  fs::path closed = tmp / "home";
  fs::create_directories(closed / "pyenv/bin");
  testing::write_file(closed / "pyenv/bin/python3", "");
  fs::permissions(closed, fs::perms::owner_all);  // 0700
  fs::create_directories(tmp / "code");
  testing::write_file(tmp / "code/bootstrap",
                      "#!" + (closed / "pyenv/bin/python3").string() + " -u\nprint(1)\n");
  sandbox s;
  s.staging = "/state/sandbox-root";
  s.state_dir = "/state";
  s.drop_user = true;
  runtime_hosts none;
  const std::string reveal = "--reveal=" + closed.string() + ":" + (closed / "pyenv").string();
  const std::string python = (closed / "pyenv/bin/python3").string();
  EXPECT_EQ(sandboxed_argv(s, sandbox_mode::namespaces, tmp / "code", "/fn/tmp", none,
                           {python, "-m", "awslambdaric", "app.handler"}),
            (std::vector<std::string>{"--sandbox=namespaces", (tmp / "code").string(), "/fn/tmp",
                                      "-", "/state/sandbox-root", "--hide=/state", "--user=993:990",
                                      reveal, "--", python, "-m", "awslambdaric", "app.handler"}));
  // A `#!` bootstrap: its interpreter is what must be reached.
  EXPECT_EQ(sandboxed_argv(s, sandbox_mode::namespaces, tmp / "code", "/fn/tmp", none,
                           {"/var/task/bootstrap"}),
            (std::vector<std::string>{"--sandbox=namespaces", (tmp / "code").string(), "/fn/tmp",
                                      "-", "/state/sandbox-root", "--hide=/state", "--user=993:990",
                                      reveal, "--", "/var/task/bootstrap"}));
  // Hermetic: nothing of this machine to hide or reveal.
  EXPECT_EQ(sandboxed_argv(s, sandbox_mode::hermetic, tmp / "code", "/fn/tmp", none,
                           {"/var/task/bootstrap"}),
            (std::vector<std::string>{"--sandbox=hermetic", (tmp / "code").string(), "/fn/tmp", "-",
                                      "/state/sandbox-root", "--user=993:990", "--",
                                      "/var/task/bootstrap"}));
  // What others can reach needs nothing revealed.
  EXPECT_EQ(sandboxed_argv(s, sandbox_mode::namespaces, tmp / "code", "/fn/tmp", none,
                           {"/bin/sh", "-c", "true"}),
            (std::vector<std::string>{"--sandbox=namespaces", (tmp / "code").string(), "/fn/tmp",
                                      "-", "/state/sandbox-root", "--hide=/state", "--user=993:990",
                                      "--", "/bin/sh", "-c", "true"}));
  fs::permissions(closed, fs::perms::owner_all | fs::perms::others_exec);
}

TEST(ChooseSandbox, RefusesUnknownModes) {
  testing::temp_dir tmp;
  for (std::string requested : {"", "NONE", "namespace", "full", "auto "}) {
    auto r = choose_sandbox(requested, "/usr/bin/lambdakit-launcher", tmp.path());
    ASSERT_FALSE(r) << requested;
    EXPECT_EQ(r.error().code, std::make_error_code(std::errc::invalid_argument));
    EXPECT_EQ(r.error().detail,
              "--sandbox must be auto, none, namespaces or hermetic, not \"" + requested + "\"");
  }
  EXPECT_FALSE(fs::exists(tmp / "sandbox-root"));
}

TEST(ChooseSandbox, NoneIsAlwaysPossible) {
  testing::temp_dir tmp;
  auto r = choose_sandbox("none", "/lambdakit/missing/launcher", tmp.path());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->mode, sandbox_mode::none);
  EXPECT_EQ(r->launcher, "/lambdakit/missing/launcher");
  EXPECT_EQ(r->staging, tmp / "sandbox-root");
  // The note says what a function can reach without a sandbox.
  EXPECT_TRUE(r->note.starts_with("environments run as plain processes (--sandbox none); "))
      << r->note;
  EXPECT_NE(r->note.find("the state directory (code store, database)"), std::string::npos)
      << r->note;
  EXPECT_FALSE(fs::exists(tmp / "sandbox-root"));
}

// Without the launcher: auto falls back to none and says why; an explicit mode is an error.
TEST(ChooseSandbox, AMissingLauncherIsNamed) {
  testing::temp_dir tmp;
  const std::string launcher = (tmp / "missing-launcher").string();
  const std::string why = launcher + " is missing (it builds the sandbox)";
  auto fallback = choose_sandbox("auto", launcher, tmp.path());
  ASSERT_TRUE(fallback) << fallback.error().message();
  EXPECT_EQ(fallback->mode, sandbox_mode::none);
  EXPECT_TRUE(fallback->note.starts_with(
      "environments run as plain processes, NOT sandboxed: " + why + "; "))
      << fallback->note;
  for (std::string requested : {"namespaces", "hermetic"}) {
    auto r = choose_sandbox(requested, launcher, tmp.path());
    ASSERT_FALSE(r) << requested;
    EXPECT_EQ(r.error().code, std::make_error_code(std::errc::operation_not_permitted));
    EXPECT_EQ(r.error().detail, "--sandbox " + requested + " is not possible here: " + why);
  }
  // A file that is there but not executable is just as missing.
  testing::write_file(launcher, "not executable");
  auto r = choose_sandbox("namespaces", launcher, tmp.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "--sandbox namespaces is not possible here: " + why);
}

}  // namespace
}  // namespace lambdakit::platform::env
