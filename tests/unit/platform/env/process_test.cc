#include "platform/env/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "base/child.h"

namespace lambdakit::platform::env {
namespace {

// Go's os.ProcessState.String() over its Linux signal table (syscall/zerrors_linux_*.go):
// what Lambda prints after "Runtime exited with error: ".
TEST(DescribeExit, SpeaksGo) {
  struct {
    int status;
    const char* words;
  } cases[] = {
      {W_EXITCODE(0, 0), "exit status 0"},
      {W_EXITCODE(1, 0), "exit status 1"},
      {W_EXITCODE(42, 0), "exit status 42"},
      {W_EXITCODE(255, 0), "exit status 255"},
      {W_EXITCODE(0, SIGHUP), "signal: hangup"},
      {W_EXITCODE(0, SIGINT), "signal: interrupt"},
      {W_EXITCODE(0, SIGQUIT), "signal: quit"},
      {W_EXITCODE(0, SIGILL), "signal: illegal instruction"},
      {W_EXITCODE(0, SIGTRAP), "signal: trace/breakpoint trap"},
      {W_EXITCODE(0, SIGABRT), "signal: aborted"},
      {W_EXITCODE(0, SIGBUS), "signal: bus error"},
      {W_EXITCODE(0, SIGFPE), "signal: floating point exception"},
      {W_EXITCODE(0, SIGKILL), "signal: killed"},
      {W_EXITCODE(0, SIGUSR1), "signal: user defined signal 1"},
      {W_EXITCODE(0, SIGSEGV), "signal: segmentation fault"},
      {W_EXITCODE(0, SIGUSR2), "signal: user defined signal 2"},
      {W_EXITCODE(0, SIGPIPE), "signal: broken pipe"},
      {W_EXITCODE(0, SIGALRM), "signal: alarm clock"},
      {W_EXITCODE(0, SIGTERM), "signal: terminated"},
      {W_EXITCODE(0, SIGSTKFLT), "signal: stack fault"},
      {W_EXITCODE(0, SIGXFSZ), "signal: file size limit exceeded"},
      {W_EXITCODE(0, SIGVTALRM), "signal: virtual timer expired"},
      {W_EXITCODE(0, SIGPROF), "signal: profiling timer expired"},
      {W_EXITCODE(0, SIGPWR), "signal: power failure"},
      {W_EXITCODE(0, SIGSYS), "signal: bad system call"},
      // Go keeps the capitals of CPU and I/O...
      {W_EXITCODE(0, SIGXCPU), "signal: CPU time limit exceeded"},
      {W_EXITCODE(0, SIGURG), "signal: urgent I/O condition"},
      {W_EXITCODE(0, SIGIO), "signal: I/O possible"},
      // ...and names signals past its table by number.
      {W_EXITCODE(0, 34), "signal: signal 34"},
      {W_EXITCODE(0, 64), "signal: signal 64"},
  };
  for (const auto& c : cases) EXPECT_EQ(describe_exit(c.status), c.words) << c.status;
}

TEST(DescribeExit, ReadsRealWaitStatuses) {
  base::child_spec exits;
  exits.argv = {"/bin/false"};
  auto r = base::start_child(exits);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(describe_exit(base::wait_child(*r)), "exit status 1");

  base::child_spec sleeps;
  sleeps.argv = {"/bin/sleep", "30"};
  r = base::start_child(sleeps);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(::kill(*r, SIGKILL), 0);
  EXPECT_EQ(describe_exit(base::wait_child(*r)), "signal: killed");
}

}  // namespace
}  // namespace lambdakit::platform::env
