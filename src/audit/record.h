// Audit records as producers hand them over: a kind, a time, the producer's id and the kind's
// fields in their canonical order (docs/auth.md, "Audit trail"). Building a record does no I/O;
// AuditOutbox (outbox.h) stores it.
//
// Thread-safe: plain values; the functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json.h"

namespace tactus::audit {

namespace json = boost::json;

// The database the audit trail lives in unless configured otherwise.
inline constexpr const char* kDefaultDatabase = "tactus_audit";

// A data record lists at most this many document ids; the rest are counted, not listed.
inline constexpr std::size_t kMaxDataIds = 100;

enum class RecordKind { kApi, kTransition, kTransitions, kData };

// "api", "transition", "transitions", "data".
std::string_view RecordKindName(RecordKind kind);

// One authorization decision on an API call.
struct ApiRecord {
  std::string principal;  // the caller's ARN
  std::string source_ip;
  std::string action;     // "states:StartExecution", ...
  std::string resource;   // the ARN the action applies to
  std::string decision;   // "Allow", "ExplicitDeny", "ImplicitDeny"
  std::string statement;  // the deciding statement's Sid (or "policy#index"), "" when none
  std::string request_id;
  std::string outcome;  // "ok" or the error name answered
};

// One history event of a committed step. Empty strings are left out of the record.
struct TransitionEvent {
  std::string type;  // "TaskStateEntered", ...
  std::string state;
  std::string error;
  std::string cause;
};

// One committed step of a durable execution: the history events it emitted.
struct TransitionRecord {
  std::string execution;      // execution ARN
  std::string state_machine;  // state machine ARN
  std::vector<TransitionEvent> events;
};

// What a MongoDB task did to a collection.
struct DataRecord {
  std::string execution;
  std::string ns;          // "db.collection"
  std::string operation;   // "insert", "update", "delete", "find", "archive", ...
  std::string role;        // the role ARN the task ran as
  std::int64_t count = 0;  // documents affected
  // The affected documents' _id values as relaxed Extended JSON ({"$oid": ...}, "text", 7, ...).
  // Past kMaxDataIds only the first kMaxDataIds are kept and idsTruncated is set.
  std::vector<json::value> ids;
  bool ids_truncated = false;
};

// A record before it is chained. `fields` holds the kind's members in canonical order.
struct Record {
  RecordKind kind = RecordKind::kApi;
  common::TimeMs time = 0;
  std::string producer;  // who wrote it: "serve:<host>:<pid>", ...
  json::object fields;

  static Record Api(common::TimeMs time, std::string producer, const ApiRecord& r);
  static Record Transition(common::TimeMs time, std::string producer, const TransitionRecord& r);
  // The steps of several executions that one transaction committed (starts committed together):
  // kind "transitions", fields {steps: [the fields of each transition record, in order]}. One
  // record instead of one per step, so group-committed starts add one document, not one each.
  // REQUIRES: every member of `steps` is a transition record.
  static Record Transitions(common::TimeMs time, std::string producer,
                            const std::vector<Record>& steps);
  static Record Data(common::TimeMs time, std::string producer, const DataRecord& r);
};

// The key a document id is indexed and looked up by: its compact JSON text (so the string "7"
// and the number 7 stay apart).
std::string IdKey(const json::value& id);

}  // namespace tactus::audit
