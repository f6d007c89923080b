// IAM over REST (docs/auth.md, "IAM over the API and tactus iam"): users, access keys, groups,
// roles and their inline policies under /v1/iam, answered from auth::IamStore. Authentication
// and authorization happen before (authorize.h); IamRouteOf is what both use to read a route.
//
// Errors: the status, x-amzn-ErrorType and {"__type", "Message"} of AWS's REST APIs with IAM's
// codes: 400 MalformedPolicyDocument / ValidationException, 404 NoSuchEntity, 409
// EntityAlreadyExists / DeleteConflict / LimitExceeded, 500 ServiceFailure; 404
// UnknownOperationException for a path or method that names no action.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_server.h"
#include "auth/iam_store.h"

namespace tactus::api {

inline constexpr std::string_view kIamPrefix = "/v1/iam";
// List answers (users, groups, roles, a user's access keys) come in pages as IAM's: MaxItems
// from 1 to this (IAM's limit), default kDefaultIamPageItems; Marker and IsTruncated.
inline constexpr std::int64_t kMaxIamPageItems = 1000;
inline constexpr std::int64_t kDefaultIamPageItems = 100;

// One IAM route, read from the method and path.
struct IamRoute {
  std::string action;    // "CreateUser" (the IAM action without "iam:")
  std::string resource;  // the ARN acted on, or "*" for lists
  std::string user, group, role, policy, access_key;  // what the path names
};

// The route of `request`, or nullopt when its method and path name no IAM action.
std::optional<IamRoute> IamRouteOf(const HttpRequest& request, std::string_view account);

class IamApi {
 public:
  IamApi(auth::IamStore& store, std::string account);

  static bool Owns(const HttpRequest& request);
  void Handle(const HttpRequest& request, const Responder& respond);

 private:
  auth::IamStore& store_;
  std::string account_;
};

}  // namespace tactus::api
