#include "base/child.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "support/scoped_env.h"
#include "support/temp_dir.h"

namespace lambdakit::base {
namespace {
namespace fs = std::filesystem;
using testing::scoped_env;
using testing::temp_dir;

// Programs are run by argv, never through a shell: what a test passes is what the child gets.
child_spec spec_of(std::vector<std::string> argv) {
  child_spec s;
  s.argv = std::move(argv);
  s.err = child_io::null;  // the tests' own output stays readable
  return s;
}

pipe_fds make_pipe() {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  return {unique_fd(fds[0]), unique_fd(fds[1])};
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

TEST(RunChild, CapturesStdoutExactlyAndTheExitCode) {
  std::string seq;
  for (int i = 1; i <= 30000; ++i) seq += std::to_string(i) + "\n";  // > a pipe's 64 KiB
  struct {
    std::vector<std::string> argv;
    std::string out;
    int exit_code;
  } cases[] = {
      {{"/bin/echo", "a b"}, "a b\n", 0},
      {{"/bin/echo", "-n", "x"}, "x", 0},
      {{"/bin/echo"}, "\n", 0},
      // No shell: quotes, $ and ; are plain bytes.
      {{"/usr/bin/printf", "%s|%s|%s", "$HOME", "a;b", "'q'"}, "$HOME|a;b|'q'", 0},
      {{"/bin/true"}, "", 0},
      {{"/bin/false"}, "", 1},
      {{"/bin/ls", "/lambdakit-no-such-dir"}, "", 2},
      {{"/usr/bin/env", "/lambdakit-no-such-program"}, "", 127},
      {{"/usr/bin/seq", "1", "30000"}, seq, 0},
  };
  for (const auto& c : cases) {
    auto r = run_child(spec_of(c.argv), true);
    ASSERT_TRUE(r) << c.argv[0] << ": " << r.error().message();
    EXPECT_EQ(r->exit_code, c.exit_code) << c.argv[0];
    EXPECT_EQ(r->out, c.out) << c.argv[0];
  }
}

TEST(RunChild, WithoutCaptureLeavesOutEmpty) {
  child_spec s = spec_of({"/bin/echo", "hidden"});
  s.out = child_io::null;
  auto r = run_child(s, false);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "");
}

TEST(StartChild, FailuresCarryTheErrnoAndNameTheProgram) {
  scoped_env path("PATH", "/usr/bin:/bin");
  temp_dir tmp;
  testing::write_file(tmp / "not-executable", "#!/bin/true\n");
  testing::write_executable(tmp / "not-a-program", "this is text, not an executable\n");
  std::string missing = "/lambdakit/no-such-program";
  std::string not_executable = (tmp / "not-executable").string();
  std::string not_a_program = (tmp / "not-a-program").string();
  std::string folder = tmp.path().string();
  struct {
    const char* name;
    std::string program;
    bool search_path;
    int error;
    std::string message;
  } cases[] = {
      {"missing path", missing, false, ENOENT, "No such file or directory: starting " + missing},
      {"a bare name is not searched", "echo", false, ENOENT,
       "No such file or directory: starting echo"},
      {"not in PATH", "lambdakit-no-such-program", true, ENOENT,
       "No such file or directory: starting lambdakit-no-such-program"},
      {"no execute permission", not_executable, false, EACCES,
       "Permission denied: starting " + not_executable},
      {"a folder", folder, false, EACCES, "Permission denied: starting " + folder},
      {"not an executable format", not_a_program, false, ENOEXEC,
       "Exec format error: starting " + not_a_program},
  };
  for (const auto& c : cases) {
    child_spec s = spec_of({c.program, "arg"});
    s.search_path = c.search_path;
    auto started = start_child(s);
    ASSERT_FALSE(started) << c.name;
    EXPECT_EQ(started.error().code, std::error_code(c.error, std::system_category())) << c.name;
    EXPECT_EQ(started.error().message(), c.message) << c.name;

    auto ran = run_child(s, true);  // run_child reports the same failure
    ASSERT_FALSE(ran) << c.name;
    EXPECT_EQ(ran.error().code, std::error_code(c.error, std::system_category())) << c.name;
    EXPECT_EQ(ran.error().message(), c.message) << c.name;
  }
}

TEST(StartChild, RefusesAnEmptyArgv) {
  for (const auto& argv : {std::vector<std::string>{}, std::vector<std::string>{""}}) {
    auto r = start_child(spec_of(argv));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, std::make_error_code(std::errc::invalid_argument));
    EXPECT_EQ(r.error().message(), "Invalid argument: no program to start");
  }
}

TEST(StartChild, SearchPathLooksArgv0UpInPath) {
  temp_dir tmp;
  fs::create_directories(tmp / "bin");
  fs::create_symlink("/bin/echo", tmp / "bin" / "lk-echo");
  scoped_env path("PATH", (tmp / "bin").string());

  child_spec s = spec_of({"lk-echo", "found"});
  s.search_path = true;
  auto r = run_child(s, true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->out, "found\n");

  s.search_path = false;
  auto direct = run_child(s, true);
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, std::error_code(ENOENT, std::system_category()));
}

TEST(StartChild, RunsInTheGivenFolder) {
  temp_dir tmp;
  child_spec s = spec_of({"/bin/pwd"});
  s.cwd = tmp.path();
  auto r = run_child(s, true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->out, fs::canonical(tmp.path()).string() + "\n");

  s.cwd.clear();  // stays where we are
  r = run_child(s, true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->out, fs::canonical(fs::current_path()).string() + "\n");

  s.cwd = tmp / "missing";
  auto bad = run_child(s, true);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, std::error_code(ENOENT, std::system_category()));
  EXPECT_EQ(bad.error().message(), "No such file or directory: starting /bin/pwd");
}

TEST(StartChild, AnExplicitEnvironmentIsTheWholeEnvironment) {
  scoped_env mine("LAMBDAKIT_CHILD_TEST", "inherited");
  struct {
    const char* name;
    std::optional<std::vector<std::string>> env;
    std::string out;  // exactly, unless `contains`
    bool contains;
  } cases[] = {
      {"two variables", std::vector<std::string>{"A=1", "B=two words"}, "A=1\nB=two words\n",
       false},
      {"an empty environment", std::vector<std::string>{}, "", false},
      {"this process's", std::nullopt, "LAMBDAKIT_CHILD_TEST=inherited\n", true},
  };
  for (const auto& c : cases) {
    child_spec s = spec_of({"/usr/bin/env"});
    s.env = c.env;
    auto r = run_child(s, true);
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    EXPECT_EQ(r->exit_code, 0) << c.name;
    if (c.contains) {
      EXPECT_NE(("\n" + r->out).find("\n" + c.out), std::string::npos) << c.name << ": " << r->out;
    } else {
      EXPECT_EQ(r->out, c.out) << c.name;
    }
  }
}

TEST(StartChild, StdinIsDevNullOrTheGivenDescriptor) {
  auto r = run_child(spec_of({"/bin/cat"}), true);  // must not wait for our stdin
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "");

  pipe_fds in = make_pipe();
  ASSERT_EQ(::write(in.write.get(), "piped\n", 6), 6);
  in.write.reset();
  child_spec s = spec_of({"/bin/cat"});
  s.in = child_io::fd;
  s.in_fd = in.read.get();
  r = run_child(s, true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->out, "piped\n");
}

TEST(StartChild, StdoutAndStderrGoToTheGivenDescriptors) {
  pipe_fds out = make_pipe(), err = make_pipe();
  child_spec s = spec_of({"/bin/ls", "-d", "/", "/lambdakit-no-such-dir"});
  s.out = child_io::fd;
  s.out_fd = out.write.get();
  s.err = child_io::fd;
  s.err_fd = err.write.get();
  auto r = run_child(s, false);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 2);
  out.write.reset();
  err.write.reset();
  EXPECT_EQ(read_all(out.read.get()), "/\n");
  std::string e = read_all(err.read.get());
  EXPECT_NE(e.find("/lambdakit-no-such-dir"), std::string::npos) << e;
}

// What /proc/self/fd/<n> names, as readlink prints it ("" when the child has no fd n).
std::string link_of(int fd) {
  return fs::read_symlink("/proc/self/fd/" + std::to_string(fd)).string();
}

TEST(StartChild, Fd3IsGivenToTheChild) {
  pipe_fds p = make_pipe();
  child_spec s = spec_of({"/usr/bin/readlink", "/proc/self/fd/3"});
  s.fd3 = p.write.get();
  auto r = run_child(s, true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, link_of(p.write.get()) + "\n");  // the same pipe

  s.fd3 = -1;  // none: the child's fd 3 is closed
  r = run_child(s, true);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_EQ(r->out, "");
}

// Places `fd` at number `at` in this process for one scope, then puts back what was there.
class fd_at {
 public:
  fd_at(int fd, int at) : at_(at), saved_(::fcntl(at, F_DUPFD_CLOEXEC, 10)) {
    EXPECT_EQ(::dup3(fd, at, O_CLOEXEC), at);
  }
  ~fd_at() {
    if (saved_.valid()) {
      ::dup3(saved_.get(), at_, O_CLOEXEC);
    } else {
      ::close(at_);
    }
  }
  fd_at(const fd_at&) = delete;
  fd_at& operator=(const fd_at&) = delete;

 private:
  int at_;
  unique_fd saved_;  // what `at` held before (invalid: nothing)
};

TEST(StartChild, Fd3AndFd4AreGivenWhateverTheirSourceNumbers) {
  // The pipes' own numbers are kept away from 3 and 4, which the swapped case overwrites.
  auto high_pipe = [] {
    pipe_fds p = make_pipe();
    return pipe_fds{unique_fd(::fcntl(p.read.get(), F_DUPFD_CLOEXEC, 20)),
                    unique_fd(::fcntl(p.write.get(), F_DUPFD_CLOEXEC, 20))};
  };
  pipe_fds a = high_pipe(), b = high_pipe();
  ASSERT_GE(a.write.get(), 20);
  ASSERT_GE(b.write.get(), 20);
  const std::string a_link = link_of(a.write.get()), b_link = link_of(b.write.get());
  for (bool close_other_fds : {true, false}) {
    for (bool swapped : {false, true}) {
      // Swapped: fd 3's source is this process's fd 4 and fd 4's is its fd 3.
      std::optional<fd_at> a_at4, b_at3;
      int fd3 = a.write.get(), fd4 = b.write.get();
      if (swapped) {
        a_at4.emplace(a.write.get(), 4);
        b_at3.emplace(b.write.get(), 3);
        fd3 = 4;
        fd4 = 3;
      }
      child_spec s = spec_of({"/usr/bin/readlink", "/proc/self/fd/3", "/proc/self/fd/4"});
      s.fd3 = fd3;
      s.fd4 = fd4;
      s.close_other_fds = close_other_fds;
      auto r = run_child(s, true);
      b_at3.reset();
      a_at4.reset();
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(r->exit_code, 0) << swapped << close_other_fds;
      EXPECT_EQ(r->out, a_link + "\n" + b_link + "\n") << swapped << close_other_fds;
    }
  }
}

TEST(StartChild, OtherDescriptorsAreClosedUnlessAskedNotTo) {
  // A descriptor without O_CLOEXEC, which exec alone would pass on.
  // (Above 3, so that it is not the child's fd 3 either.)
  unique_fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(null);
  unique_fd leaky(::fcntl(null.get(), F_DUPFD, 10));  // F_DUPFD: no close-on-exec
  ASSERT_GE(leaky.get(), 10);
  std::string proc = "/proc/self/fd/" + std::to_string(leaky.get());
  struct {
    bool close_other_fds;
    int exit_code;
    std::string out;
  } cases[] = {
      {true, 1, ""},
      {false, 0, "/dev/null\n"},
  };
  for (const auto& c : cases) {
    child_spec s = spec_of({"/usr/bin/readlink", proc});
    s.close_other_fds = c.close_other_fds;
    auto r = run_child(s, true);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->exit_code, c.exit_code) << c.close_other_fds;
    EXPECT_EQ(r->out, c.out) << c.close_other_fds;
  }
}

TEST(StartChild, OwnProcessGroupMakesTheChildItsLeader) {
  for (bool own : {true, false}) {
    child_spec s = spec_of({"/bin/sleep", "30"});
    s.own_process_group = own;
    auto pid = start_child(s);
    ASSERT_TRUE(pid) << pid.error().message();
    if (own) {
      EXPECT_EQ(::getpgid(*pid), *pid);
    } else {
      EXPECT_EQ(::getpgid(*pid), ::getpgrp());
    }
    ASSERT_EQ(::kill(*pid, SIGKILL), 0);
    int status = wait_child(*pid);
    EXPECT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    EXPECT_EQ(exit_code_of(status), 128 + SIGKILL);
  }
}

// The SigBlk and SigIgn masks of /proc/<pid>/status as cat prints its own.
std::pair<unsigned long long, unsigned long long> child_signal_masks(bool reset) {
  child_spec s = spec_of({"/bin/cat", "/proc/self/status"});
  s.reset_signals = reset;
  auto r = run_child(s, true);
  EXPECT_TRUE(r) << r.error().message();
  if (!r) return {};
  unsigned long long blocked = 0, ignored = 0;
  std::istringstream lines(r->out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("SigBlk:", 0) == 0) blocked = std::stoull(line.substr(7), nullptr, 16);
    if (line.rfind("SigIgn:", 0) == 0) ignored = std::stoull(line.substr(7), nullptr, 16);
  }
  return {blocked, ignored};
}

TEST(StartChild, ResetSignalsClearsTheMaskAndIgnoredSignals) {
  // This process blocks SIGUSR2 and ignores SIGUSR1; exec passes both on unless reset.
  sigset_t usr2, old_mask;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ASSERT_EQ(::sigprocmask(SIG_BLOCK, &usr2, &old_mask), 0);
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGUSR1, &ignore, &old_action), 0);

  const unsigned long long usr2_bit = 1ull << (SIGUSR2 - 1), usr1_bit = 1ull << (SIGUSR1 - 1);
  auto [blocked, ignored] = child_signal_masks(false);
  EXPECT_NE(blocked & usr2_bit, 0u) << std::hex << blocked;
  EXPECT_NE(ignored & usr1_bit, 0u) << std::hex << ignored;
  std::tie(blocked, ignored) = child_signal_masks(true);
  EXPECT_EQ(blocked, 0u) << std::hex << blocked;
  EXPECT_EQ(ignored & usr1_bit, 0u) << std::hex << ignored;

  ::sigaction(SIGUSR1, &old_action, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
}

TEST(ExitCodeOf, IsTheExitStatusOr128PlusTheSignal) {
  struct {
    int status;
    int code;
  } cases[] = {
      {W_EXITCODE(0, 0), 0},
      {W_EXITCODE(3, 0), 3},
      {W_EXITCODE(255, 0), 255},
      {W_EXITCODE(0, SIGKILL), 137},
      {W_EXITCODE(0, SIGTERM), 143},
      {W_EXITCODE(0, SIGSEGV) | WCOREFLAG, 139},  // a core dump changes nothing
  };
  for (const auto& c : cases) EXPECT_EQ(exit_code_of(c.status), c.code) << c.status;
}

// Runs `f` with this process's stderr sent to a pipe; returns what was written there.
template <class F>
std::string stderr_of(F f) {
  pipe_fds p = make_pipe();
  unique_fd saved(::dup(2));
  ::dup2(p.write.get(), 2);
  f();
  ::dup2(saved.get(), 2);
  p.write.reset();
  return read_all(p.read.get());
}

TEST(RunTool, SearchesPathAndSendsStdoutToOurStderr) {
  result<child_output> r = child_output{};
  std::string err = stderr_of([&] { r = run_tool({"echo", "to stderr"}, false); });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "");
  EXPECT_EQ(err, "to stderr\n");

  err = stderr_of([&] { r = run_tool({"echo", "captured"}, true); });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->out, "captured\n");
  EXPECT_EQ(err, "");
}

TEST(RunTool, QuietSilencesTheToolsStderr) {
  struct {
    bool quiet;
    bool silent;
  } cases[] = {{true, true}, {false, false}};
  for (const auto& c : cases) {
    result<child_output> r = child_output{};
    std::string err = stderr_of([&] {
      r = run_tool({"ls", "/lambdakit-no-such-dir"}, true, {}, c.quiet);
    });
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->exit_code, 2);
    EXPECT_EQ(err.empty(), c.silent) << err;
  }
}

TEST(RunTool, RunsInTheGivenFolderAndNamesAMissingTool) {
  temp_dir tmp;
  auto r = run_tool({"pwd"}, true, tmp.path());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->out, fs::canonical(tmp.path()).string() + "\n");

  auto missing = run_tool({"lambdakit-no-such-tool", "--version"}, true);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, std::error_code(ENOENT, std::system_category()));
  EXPECT_EQ(missing.error().message(),
            "No such file or directory: starting lambdakit-no-such-tool");
}

}  // namespace
}  // namespace lambdakit::base
