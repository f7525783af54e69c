#include "platform/store/code_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <vector>

#include "base/error_category.h"
#include "base/random.h"
#include "platform/store/zip_check.h"
#include "wire/base64.h"

namespace lambdakit::platform::store {
namespace fs = std::filesystem;
namespace {

const char* describe(code_errc e) noexcept {
  switch (e) {
    case code_errc::zip_too_large:
      return "the zip file is too large";
    case code_errc::unzipped_too_large:
      return "the unzipped code is too large";
    case code_errc::corrupt_zip:
      return "the zip file cannot be read";
    case code_errc::unsafe_entry:
      return "the zip file has an entry outside the task root";
    case code_errc::io_error:
      return "the code could not be stored";
  }
  return "unknown code store error";
}

std::string sha256_hex(std::string_view data, std::string& raw) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  raw.assign(reinterpret_cast<const char*>(digest), len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

// Lexically normalises `p` (relative to the task root); nullopt when it climbs out of it.
std::optional<fs::path> confined(const fs::path& p) {
  fs::path out;
  for (const auto& part : p) {
    if (part == "." || part.empty()) continue;
    if (part == "..") {
      if (out.empty()) return std::nullopt;
      out = out.parent_path();
      continue;
    }
    out /= part;
  }
  return out;
}

failure unsafe(const std::string& entry, const std::string& why) {
  // A hostile name can be kilobytes: the message shows its start.
  std::string shown = entry.size() <= 120 ? entry : entry.substr(0, 120) + "...";
  return make_failure(code_errc::unsafe_entry, "\"" + shown + "\" " + why);
}

// Limits of the names a zip may hold: Linux's own (255 bytes per file name) and a path depth
// and length far beyond any real function (the kernel's PATH_MAX is 4096).
constexpr std::size_t max_name_bytes = 1024;
constexpr std::size_t max_component_bytes = 255;
constexpr std::size_t max_depth = 64;

// Why `rel` cannot be a path in the task root, or empty.
std::string name_problem(const std::string& name, const fs::path& rel) {
  if (name.size() > max_name_bytes) {
    return "is " + std::to_string(name.size()) + " bytes long; entry names may be at most " +
           std::to_string(max_name_bytes);
  }
  std::size_t depth = 0;
  for (const auto& part : rel) {
    if (part.native().size() > max_component_bytes) {
      return "has a file or folder name of " + std::to_string(part.native().size()) +
             " bytes; Linux allows at most 255";
    }
    if (++depth > max_depth) {
      return "is nested more than " + std::to_string(max_depth) + " folders deep";
    }
  }
  return {};
}

struct archive_closer {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

std::string sha256_hex_of(std::string_view data) {
  std::string raw;
  return sha256_hex(data, raw);
}

std::error_code make_error_code(code_errc e) noexcept {
  static const base::enum_category<code_errc> category("lambdakit.code", describe);
  return category.make(e);
}

result<std::uint64_t> extract_zip(std::string_view zip, const fs::path& dest) {
  // The directory must agree with the local headers before any of it is believed.
  if (auto s = check_zip_structure(zip); !s) {
    return make_failure(code_errc::corrupt_zip, s.error().detail);
  }
  std::unique_ptr<archive, archive_closer> a(archive_read_new());
  archive_read_support_format_zip_seekable(
      a.get());  // reads the central directory: a damaged one is refused
  if (archive_read_open_memory(a.get(), zip.data(), zip.size()) != ARCHIVE_OK) {
    return make_failure(code_errc::corrupt_zip,
                        archive_error_string(a.get()) ? archive_error_string(a.get()) : "");
  }
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec)
    return make_failure(code_errc::io_error, "creating " + dest.string() + ": " + ec.message());
  std::uint64_t total = 0;
  std::size_t entries = 0;
  std::vector<char> buf(std::size_t{64} * 1024);
  archive_entry* e = nullptr;
  while (true) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return make_failure(code_errc::corrupt_zip,
                          archive_error_string(a.get()) ? archive_error_string(a.get()) : "");
    }
    if (++entries > max_zip_entries) {
      return make_failure(code_errc::corrupt_zip,
                          "more than " + std::to_string(max_zip_entries) + " entries");
    }
    const char* raw_name = archive_entry_pathname(e);
    std::string name = raw_name != nullptr ? raw_name : "";
    if (name.empty()) return unsafe(name, "has no name");
    fs::path rel(name);
    if (auto why = name_problem(name, rel); !why.empty()) return unsafe(name, why);
    if (rel.is_absolute()) return unsafe(name, "is an absolute path");
    auto safe = confined(rel);
    if (!safe) return unsafe(name, "climbs out of the task root with \"..\"");
    if (safe->empty()) continue;  // "./" itself
    fs::path target = dest / *safe;
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      return make_failure(code_errc::io_error,
                          "creating " + target.parent_path().string() + ": " + ec.message());
    if (archive_entry_hardlink(e) != nullptr) return unsafe(name, "is a hard link");
    auto mode = archive_entry_mode(e);
    switch (archive_entry_filetype(e)) {
      case AE_IFDIR:
        fs::create_directories(target, ec);
        if (ec)
          return make_failure(code_errc::io_error,
                              "creating " + target.string() + ": " + ec.message());
        break;
      case AE_IFLNK: {
        const char* link = archive_entry_symlink(e);
        fs::path to = link != nullptr ? link : "";
        if (to.empty() || to.is_absolute() || !confined(safe->parent_path() / to)) {
          return unsafe(name,
                        "is a symbolic link to \"" + to.string() + "\", outside the task root");
        }
        fs::create_symlink(to, target, ec);
        if (ec)
          return make_failure(code_errc::io_error,
                              "linking " + target.string() + ": " + ec.message());
        break;
      }
      case AE_IFREG:
      case 0: {  // some zip writers leave the type out for plain files
        int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
          return make_failure(errno == EEXIST ? code_errc::corrupt_zip : code_errc::io_error,
                              "\"" + name + "\": " + std::generic_category().message(errno) +
                                  (errno == EEXIST ? " (a duplicate entry)" : ""));
        }
        while (true) {
          la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
          if (n == 0) break;
          if (n < 0) {
            ::close(fd);
            return make_failure(
                code_errc::corrupt_zip,
                "\"" + name +
                    "\": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : ""));
          }
          total += static_cast<std::uint64_t>(n);
          if (total > max_unzipped_bytes) {
            ::close(fd);
            return make_failure(code_errc::unzipped_too_large,
                                "Unzipped size must be smaller than " +
                                    std::to_string(max_unzipped_bytes) + " bytes");
          }
          if (::write(fd, buf.data(), static_cast<std::size_t>(n)) != n) {
            int err = errno;
            ::close(fd);
            return make_failure(code_errc::io_error, "writing " + target.string() + ": " +
                                                         std::generic_category().message(err));
          }
        }
        // Readable by everyone, executable by everyone when by its owner: runtimes run as an
        // unprivileged uid (Lambda's deployment packages need world-readable files too).
        mode_t perms = mode & 0777;
        perms = perms == 0 ? 0644 : (perms | 0444);
        if ((perms & 0100) != 0) perms |= 0111;
        ::fchmod(fd, perms);
        ::close(fd);
        break;
      }
      default:
        return unsafe(name, "is a device, FIFO or socket");
    }
  }
  return total;
}

code_store::code_store(const fs::path& state_dir) : dir_(state_dir / "code") {}

fs::path code_store::task_root(const std::string& sha256_hex) const {
  return dir_ / sha256_hex;
}

std::size_t code_store::collect(const std::set<std::string>& keep) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!keep.contains(it->path().filename().string())) doomed.push_back(it->path());
  }
  for (const auto& p : doomed) fs::remove_all(p, ec);
  return doomed.size();
}

fs::path code_store::set_aside(const std::string& sha256_hex) {
  fs::path aside = dir_ / (".trash-" + base::random_hex(16));
  std::error_code ec;
  fs::rename(task_root(sha256_hex), aside, ec);
  return ec ? fs::path() : aside;
}

std::uint64_t code_store::unzipped_size(const std::string& sha256_hex) const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(task_root(sha256_hex), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

bool code_store::contains(const std::string& sha256_hex) const {
  std::error_code ec;
  return fs::is_directory(task_root(sha256_hex), ec);
}

result<stored_code> code_store::add(std::string_view zip) {
  if (zip.size() > max_zip_bytes) {
    return make_failure(code_errc::zip_too_large,
                        "the zip is " + std::to_string(zip.size()) +
                            " bytes; Lambda takes at most " + std::to_string(max_zip_bytes) +
                            " bytes directly (larger code goes through S3)");
  }
  std::string raw;
  stored_code out;
  out.sha256_hex = sha256_hex(zip, raw);
  out.sha256_base64 = wire::base64::encode(raw);
  out.size = static_cast<std::int64_t>(zip.size());
  if (contains(out.sha256_hex)) {
    out.unzipped_bytes = unzipped_size(out.sha256_hex);
    return out;
  }

  std::error_code ec;
  fs::create_directories(dir_, ec);
  fs::path staging = dir_ / (".staging-" + base::random_hex(16) + "-" + std::to_string(::getpid()));
  auto extracted = extract_zip(zip, staging);
  if (!extracted) {
    fs::remove_all(staging, ec);
    return std::move(extracted).error();
  }
  out.unzipped_bytes = *extracted;
  fs::rename(staging, task_root(out.sha256_hex), ec);
  if (ec) {
    fs::remove_all(staging, ec);
    if (!contains(out.sha256_hex))
      return make_failure(code_errc::io_error, "storing the extracted code");
  }
  return out;
}

}  // namespace lambdakit::platform::store
