#include "docdb/agg/spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <vector>

namespace tactus::docdb::agg::internal {

DbResult<std::unique_ptr<SpillFile>> SpillFile::Create(const std::string& dir) {
  std::string base = dir;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = base + "/docdb-spill-XXXXXX";
  std::vector<char> path(templ.begin(), templ.end());
  path.push_back('\0');
  int fd = mkstemp(path.data());
  if (fd < 0) {
    return MakeError(kInternalError, "cannot create a spill file in " + base + ": " +
                                         std::strerror(errno) +
                                         "; set TMPDIR to a writable directory");
  }
  unlink(path.data());
  return std::unique_ptr<SpillFile>(new SpillFile(fd));
}

SpillFile::~SpillFile() { close(fd_); }

namespace {
bool WriteAll(int fd, const void* data, std::size_t len, std::int64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = pwrite(fd, p, len, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

bool ReadAll(int fd, void* data, std::size_t len, std::int64_t offset) {
  char* p = static_cast<char*>(data);
  while (len > 0) {
    ssize_t n = pread(fd, p, len, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}
}  // namespace

DbResult<Done> SpillFile::Append(std::string_view key, const bson_t* doc) {
  std::uint32_t header[2] = {static_cast<std::uint32_t>(key.size()), doc->len};
  std::string record(reinterpret_cast<const char*>(header), sizeof header);
  record.append(key);
  record.append(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
  if (!WriteAll(fd_, record.data(), record.size(), size_)) {
    return MakeError(kInternalError,
                     std::string("writing a spill file failed: ") + std::strerror(errno));
  }
  size_ += static_cast<std::int64_t>(record.size());
  return Done{};
}

DbResult<bool> SpillFile::Reader::Next(std::string* key, BsonPtr* doc) {
  if (pos_ >= end_) return false;
  std::uint32_t header[2];
  if (!ReadAll(file_->fd_, header, sizeof header, pos_)) {
    return MakeError(kInternalError, "reading a spill file failed");
  }
  key->resize(header[0]);
  std::vector<std::uint8_t> bytes(header[1]);
  if (!ReadAll(file_->fd_, key->data(), header[0], pos_ + 8) ||
      !ReadAll(file_->fd_, bytes.data(), header[1], pos_ + 8 + header[0])) {
    return MakeError(kInternalError, "reading a spill file failed");
  }
  pos_ += 8 + header[0] + header[1];
  *doc = BsonPtr(bson_new_from_data(bytes.data(), bytes.size()));
  if (!*doc) return MakeError(kInternalError, "a spill file record is corrupt");
  return true;
}

DbResult<Done> MergeRuns(
    const SpillFile& file, const std::vector<std::pair<std::int64_t, std::int64_t>>& runs,
    const std::function<DbResult<bool>(const std::string& key, BsonPtr doc)>& visit) {
  struct Head {
    std::string key;
    BsonPtr doc;
    std::size_t run;
  };
  auto later = [](const Head* a, const Head* b) {
    int c = a->key.compare(b->key);
    return c != 0 ? c > 0 : a->run > b->run;
  };
  std::vector<SpillFile::Reader> readers;
  std::vector<Head> heads(runs.size());
  std::priority_queue<Head*, std::vector<Head*>, decltype(later)> queue(later);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    readers.emplace_back(&file, runs[i].first, runs[i].second);
    heads[i].run = i;
    auto more = readers[i].Next(&heads[i].key, &heads[i].doc);
    if (!more.ok()) return more.error();
    if (more.value()) queue.push(&heads[i]);
  }
  while (!queue.empty()) {
    Head* h = queue.top();
    queue.pop();
    auto go_on = visit(h->key, std::move(h->doc));
    if (!go_on.ok()) return go_on.error();
    if (!go_on.value()) return Done{};
    auto more = readers[h->run].Next(&h->key, &h->doc);
    if (!more.ok()) return more.error();
    if (more.value()) queue.push(h);
  }
  return Done{};
}

}  // namespace tactus::docdb::agg::internal
