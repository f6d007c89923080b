// Spill files for $sort and $group with allowDiskUse: an anonymous temporary file (unlinked at
// creation, so nothing is left behind even after a crash) holding sorted runs of
// (key, BSON document) records. Not thread-safe; one per stage run.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/error.h"

namespace tactus::docdb::agg::internal {

class SpillFile {
 public:
  // Creates the file in `dir` (the system temporary directory when empty). InternalError (1)
  // naming the directory when it cannot.
  static DbResult<std::unique_ptr<SpillFile>> Create(const std::string& dir);
  ~SpillFile();

  // Appends one record; returns the file offset after it.
  DbResult<Done> Append(std::string_view key, const bson_t* doc);
  std::int64_t size() const { return size_; }

  // Reads the records of [begin, end) in order.
  class Reader {
   public:
    Reader(const SpillFile* file, std::int64_t begin, std::int64_t end)
        : file_(file), pos_(begin), end_(end) {}
    // False at the end of the range. InternalError on I/O failure.
    DbResult<bool> Next(std::string* key, BsonPtr* doc);

   private:
    const SpillFile* file_;
    std::int64_t pos_, end_;
  };

 private:
  explicit SpillFile(int fd) : fd_(fd) {}
  int fd_;
  std::int64_t size_ = 0;
};

// Merges sorted runs ([begin, end) ranges of `file`) by key (bytewise), visiting records in key
// order; equal keys come in run order. The visitor returns false to stop.
DbResult<Done> MergeRuns(
    const SpillFile& file, const std::vector<std::pair<std::int64_t, std::int64_t>>& runs,
    const std::function<DbResult<bool>(const std::string& key, BsonPtr doc)>& visit);

}  // namespace tactus::docdb::agg::internal
