// Store errors carry MongoDB's numeric codes and code names, so drivers raise their usual
// exceptions (DuplicateKeyError for 11000, ...). They never mix with common::Status (run-time
// failures of Tactus itself) or with ASL errors.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tactus::docdb {

// The codes the store returns; values and names are MongoDB's.
enum ErrorCode : std::int32_t {
  kInternalError = 1,
  kBadValue = 2,
  kNoSuchKey = 4,
  kInvalidLength = 16,
  kUserNotFound = 11,
  kFailedToParse = 9,
  kInvalidBSON = 22,
  kUnauthorized = 13,
  kTypeMismatch = 14,
  kProtocolError = 17,
  kAuthenticationFailed = 18,
  kIllegalOperation = 20,
  kNamespaceNotFound = 26,
  kRoleNotFound = 31,
  kIndexNotFound = 27,
  kPathNotViable = 28,
  kConflictingUpdateOperators = 40,
  kCursorNotFound = 43,
  kMaxTimeMSExpired = 50,
  kNamespaceExists = 48,
  kDollarPrefixedFieldName = 52,
  kInvalidIdField = 53,
  kNotSingleValueField = 54,
  kEmptyFieldName = 56,
  kDottedFieldName = 57,
  kCommandNotFound = 59,
  kImmutableField = 66,
  kCannotCreateIndex = 67,
  kInvalidOptions = 72,
  kInvalidNamespace = 73,
  kIndexOptionsConflict = 85,
  kIndexKeySpecsConflict = 86,
  kWriteConflict = 112,
  kCommandNotSupportedInTransaction = 263,
  kNoSuchTransaction = 251,
  kTransactionCommitted = 256,
  kTransactionTooOld = 225,
  kInvalidIndexSpecificationOption = 197,
  kExceededMemoryLimit = 146,
  kLocation10334 = 10334,  // BSONObjectTooLarge
  kDuplicateKey = 11000,
  kRoleAlreadyExists = 51002,  // MongoDB's Location51002
  kUserAlreadyExists = 51003,  // MongoDB's Location51003
  kMechanismUnavailable = 334,
  kRegexMatchLimit = 51091,
  // Not MongoDB's and never sent: an optimistic read found that the catalog changed under it,
  // or a one-statement read needed a second statement (storage::Store::BeginOptimisticRead);
  // the caller reads again.
  kSnapshotMoved = -2,
};

// MongoDB's codeName for a code ("DuplicateKey" for 11000); "UnknownError" when unknown.
const char* CodeName(std::int32_t code);

struct DbError {
  std::int32_t code = kInternalError;
  std::string message;
  // Error labels such as "TransientTransactionError".
  std::vector<std::string> labels;
  // For DuplicateKey: the index's key pattern and the duplicated value (owned copies; may be
  // empty documents).
  std::vector<std::uint8_t> key_pattern, key_value;
};

inline DbError MakeError(std::int32_t code, std::string message) {
  return DbError{code, std::move(message), {}, {}, {}};
}

// Holds a T or a DbError.
template <typename T>
class [[nodiscard]] DbResult {
 public:
  DbResult(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  DbResult(DbError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  const DbError& error() const { return std::get<DbError>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

 private:
  std::variant<T, DbError> v_;
};

// For operations that return nothing on success.
struct Done {};

}  // namespace tactus::docdb
