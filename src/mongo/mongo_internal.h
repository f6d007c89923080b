// Helpers shared by the files of mongo/ (not part of its interface).
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <cstdint>

#include "mongo/mongo.h"

namespace tactus::mongo::internal {

// The reply's "<field>" count (int32 or int64).
inline std::int64_t ReplyCount(const bson_t* reply, const char* field) {
  bson_iter_t it;
  if (reply && bson_iter_init_find(&it, reply, field) && BSON_ITER_HOLDS_NUMBER(&it)) {
    return bson_iter_as_int64(&it);
  }
  return 0;
}

// Operation options holding the session id, when there is a session.
class Opts {
 public:
  explicit Opts(const Session* session, const bson_t* base = nullptr) {
    if (base) {
      bson_copy_to(base, &doc_);
    } else {
      bson_init(&doc_);
    }
    if (session) session->AppendTo(&doc_);
  }
  ~Opts() { bson_destroy(&doc_); }
  const bson_t* get() const { return &doc_; }

 private:
  bson_t doc_;
};

}  // namespace tactus::mongo::internal
