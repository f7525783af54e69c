// chatty: writes one line per way a C++ handler can print (printf, std::cout, std::cerr,
// write(2) on fds 1 and 2), each tagged with the request id, then answers {"ok":true}. Tests
// check that every line reaches the function's log and none reaches (or corrupts) the response.
#include <lambdakit/lambdakit.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

int main() {
  return lambdakit::run([](const lambdakit::invocation& inv) {
    const std::string& id = inv.request_id;
    std::printf("chatty printf %s\n", id.c_str());  // buffered: a pipe is not a terminal
    std::cout << "chatty cout " << id << '\n';
    std::cerr << "chatty cerr " << id << std::endl;
    std::string raw1 = "chatty write1 " + id + "\n";
    std::string raw2 = "chatty write2 " + id + "\n";
    (void)!::write(1, raw1.data(), raw1.size());
    (void)!::write(2, raw2.data(), raw2.size());
    return lambdakit::response::json(R"({"ok":true})");
  });
}
