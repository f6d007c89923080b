// Tactus's own HTTP API beside the Step Functions one (docs/api.md, "Schedules, triggers,
// connections and functions"): REST with JSON bodies over the definitions of triggers/registry.h.
//
//   /schedules[/{Name}]        EventBridge Scheduler's REST shape (boto3's "scheduler" client
//                              works against it): POST create, GET get, PUT update, DELETE,
//                              GET /schedules lists (NamePrefix, MaxResults, NextToken)
//   /v1/triggers[/{Name}]      the same verbs for database triggers
//   /v1/connections[/{Name}]   named MongoDB connections (URIs shown with the password redacted)
//   /v1/functions[/{Name}]     the function registry behind lambda:invoke
//
// Errors: the status and x-amzn-ErrorType of AWS's REST APIs (400 ValidationException, 404
// ResourceNotFoundException, 409 ConflictException, 500 InternalServerException) with a JSON
// body {"__type": ..., "Message": ...}.
//
// Thread-safe.
#pragma once

#include "api/http_server.h"
#include "common/arn.h"
#include "common/clock.h"
#include "triggers/registry.h"

namespace tactus::api {

class ControlApi {
 public:
  // Everything passed in must outlive the API object.
  ControlApi(triggers::Registry& registry, const common::Clock& clock, common::ArnContext arns);

  // Whether the request's path belongs to this API (then Handle answers it).
  static bool Owns(const HttpRequest& request);
  void Handle(const HttpRequest& request, const Responder& respond);

 private:
  triggers::Registry& registry_;
  const common::Clock& clock_;
  common::ArnContext arns_;
};

}  // namespace tactus::api
