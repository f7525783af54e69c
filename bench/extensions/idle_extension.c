/* The least an external extension can do, for bench/extensions/overhead.py: registers with the
 * Extensions API for the events its file name says ("idle-invoke": INVOKE, "idle-none": none),
 * then asks for the next event again and again on one keep-alive connection, doing nothing with
 * them. A SHUTDOWN ends it. Built static, as extensions in a layer usually are. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_api(const char* api) {
  const char* colon = strrchr(api, ':');
  char host[64] = {0};
  if (colon == NULL) return -1;
  memcpy(host, api,
         (size_t)(colon - api) < sizeof host - 1 ? (size_t)(colon - api) : sizeof host - 1);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((unsigned short)atoi(colon + 1))};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
      connect(fd, (struct sockaddr*)&a, sizeof a) != 0)
    return -1;
  return fd;
}

/* Reads one HTTP answer (head and Content-Length body) into buf; returns its length or -1. */
static int read_answer(int fd, char* buf, int cap) {
  int have = 0;
  for (;;) {
    int n = (int)read(fd, buf + have, (size_t)(cap - 1 - have));
    if (n <= 0) return -1;
    have += n;
    buf[have] = '\0';
    char* end = strstr(buf, "\r\n\r\n");
    if (end == NULL) continue;
    const char* cl = strstr(buf, "Content-Length: ");
    int body = cl != NULL ? atoi(cl + 16) : 0;
    if (have >= (int)(end + 4 - buf) + body) return have;
  }
}

int main(int argc, char** argv) {
  (void)argc;
  const char* api = getenv("AWS_LAMBDA_RUNTIME_API");
  const char* name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  const char* events = strstr(name, "invoke") ? "[\"INVOKE\",\"SHUTDOWN\"]" : "[]";
  int fd = api ? connect_api(api) : -1;
  if (fd < 0) return 1;
  char req[512], buf[8192], id[64] = {0};
  char body[64];
  int blen = snprintf(body, sizeof body, "{\"events\":%s}", events);
  int n = snprintf(req, sizeof req,
                   "POST /2020-01-01/extension/register HTTP/1.1\r\nHost: x\r\n"
                   "Lambda-Extension-Name: %s\r\nContent-Length: %d\r\n\r\n%s",
                   name, blen, body);
  if (write(fd, req, (size_t)n) != n || read_answer(fd, buf, sizeof buf) < 0) return 1;
  const char* h = strstr(buf, "Lambda-Extension-Identifier: ");
  if (h == NULL) return 1;
  memcpy(id, h + 29, 36);
  n = snprintf(req, sizeof req,
               "GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: x\r\n"
               "Lambda-Extension-Identifier: %s\r\n\r\n",
               id);
  for (;;) {
    if (write(fd, req, (size_t)n) != n || read_answer(fd, buf, sizeof buf) < 0) return 1;
    if (strstr(buf, "\"SHUTDOWN\"") != NULL) return 0;
  }
}
