// The seam between the runtime client and the OS: a connected byte stream and a way to make
// one. The socket implementation is in socket_stream.h; tests pass an in-memory one that can
// fail at any I/O step.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lambdakit::runtime {

class byte_stream {
 public:
  virtual ~byte_stream() = default;

  // Reads at least one byte into buf[0, size) and returns how many; 0 means the peer closed.
  // Blocks until data arrives (the Runtime API's /next is a long poll with no timeout).
  virtual result<std::size_t> read_some(char* buf, std::size_t size) = 0;

  // Writes all of parts[0, count), in order, or fails.
  virtual result<void> write_all(const std::string_view* parts, std::size_t count) = 0;
};

class connector {
 public:
  virtual ~connector() = default;

  // A new connection to the Runtime API.
  virtual result<std::unique_ptr<byte_stream>> connect() = 0;

  // Waits between retries. Tests record the waits instead of sleeping.
  virtual void pause(std::chrono::milliseconds d) = 0;

  // The Host header value, and the address for messages ("127.0.0.1:9001").
  virtual const std::string& authority() const = 0;
};

}  // namespace lambdakit::runtime
