/* The floor: the least a Runtime API client can do. Connects to AWS_LAMBDA_RUNTIME_API, sends
 * GET /next, reads the answer and exits. Built static. lambdakit's start-up is measured against it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  const char* api = getenv("AWS_LAMBDA_RUNTIME_API");
  const char* colon = api ? strrchr(api, ':') : NULL;
  if (!colon) return 2;
  char host[64] = {0}, req[256], buf[4096];
  memcpy(host, api,
         (size_t)(colon - api) < sizeof host - 1 ? (size_t)(colon - api) : sizeof host - 1);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((unsigned short)atoi(colon + 1))};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
      connect(fd, (struct sockaddr*)&a, sizeof a) != 0)
    return 1;
  int n = snprintf(req, sizeof req,
                   "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
  if (write(fd, req, (size_t)n) != n) return 1;
  return read(fd, buf, sizeof buf) > 0 ? 0 : 1;
}
