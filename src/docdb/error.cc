#include "docdb/error.h"

namespace tactus::docdb {

const char* CodeName(std::int32_t code) {
  switch (code) {
    case kInternalError:
      return "InternalError";
    case kUserNotFound:
      return "UserNotFound";
    case kProtocolError:
      return "ProtocolError";
    case kAuthenticationFailed:
      return "AuthenticationFailed";
    case kRoleNotFound:
      return "RoleNotFound";
    case kCannotCreateIndex:
      return "CannotCreateIndex";
    case kRoleAlreadyExists:
      return "Location51002";
    case kUserAlreadyExists:
      return "Location51003";
    case kMechanismUnavailable:
      return "MechanismUnavailable";
    case kBadValue:
      return "BadValue";
    case kNoSuchKey:
      return "NoSuchKey";
    case kFailedToParse:
      return "FailedToParse";
    case kInvalidBSON:
      return "InvalidBSON";
    case kUnauthorized:
      return "Unauthorized";
    case kTypeMismatch:
      return "TypeMismatch";
    case kIllegalOperation:
      return "IllegalOperation";
    case kNamespaceNotFound:
      return "NamespaceNotFound";
    case kIndexNotFound:
      return "IndexNotFound";
    case kPathNotViable:
      return "PathNotViable";
    case kConflictingUpdateOperators:
      return "ConflictingUpdateOperators";
    case kCursorNotFound:
      return "CursorNotFound";
    case kNamespaceExists:
      return "NamespaceExists";
    case kDollarPrefixedFieldName:
      return "DollarPrefixedFieldName";
    case kInvalidIdField:
      return "InvalidIdField";
    case kNotSingleValueField:
      return "NotSingleValueField";
    case kEmptyFieldName:
      return "EmptyFieldName";
    case kDottedFieldName:
      return "DottedFieldName";
    case kCommandNotFound:
      return "CommandNotFound";
    case kImmutableField:
      return "ImmutableField";
    case kInvalidOptions:
      return "InvalidOptions";
    case kInvalidNamespace:
      return "InvalidNamespace";
    case kIndexOptionsConflict:
      return "IndexOptionsConflict";
    case kIndexKeySpecsConflict:
      return "IndexKeySpecsConflict";
    case kWriteConflict:
      return "WriteConflict";
    case kCommandNotSupportedInTransaction:
      return "OperationNotSupportedInTransaction";
    case kNoSuchTransaction:
      return "NoSuchTransaction";
    case kTransactionCommitted:
      return "TransactionCommitted";
    case kTransactionTooOld:
      return "TransactionTooOld";
    case kInvalidIndexSpecificationOption:
      return "InvalidIndexSpecificationOption";
    case kExceededMemoryLimit:
      return "ExceededMemoryLimit";
    case kLocation10334:
      return "BSONObjectTooLarge";
    case kDuplicateKey:
      return "DuplicateKey";
    case kRegexMatchLimit:
      return "RegexMatchLimit";
    // The aggregation framework's (agg/, query/expr*).
    case 168:
      return "InvalidPipelineOperator";
    case 241:
      return "ConversionFailure";
    case 292:
      return "QueryExceededMemoryLimitNoDiskUseAllowed";
  }
  return "UnknownError";
}

}  // namespace tactus::docdb
