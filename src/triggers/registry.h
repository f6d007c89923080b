// The definitions that live in Tactus's database beside the state machines (docs/schedules.md,
// docs/api.md): named connections, the function registry, schedules and database triggers.
//
// Each is one document {_id: name, spec: <JSON text in the API's shape>, created, updated, ...}
// in its own collection; schedules and triggers also carry the runtime fields their loops keep
// (next fire time, resume token, lease). Specs are validated here, so the API, the CLI and the
// loops agree on one shape; errors are InvalidArgument naming the member at fault.
//
// Thread-safe: every method may be called from any thread (each borrows a pool client).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"
#include "mongo/mongo.h"

namespace tactus::triggers {

namespace json = boost::json;

enum class Kind { kConnection, kFunction, kSchedule, kTrigger };

// The collection holding each kind, in Tactus's database.
const char* CollectionOf(Kind kind);
// "connection", "function", "schedule", "trigger": for messages.
const char* NameOf(Kind kind);

// Names: 1-60 of [A-Za-z0-9_.-] (so "<schedule>-<fire time>" fits an execution name's 80).
inline constexpr std::size_t kMaxDefinitionNameLength = 60;
// A schedule's or trigger's Input, and a trigger's Match, as AWS limits execution input.
inline constexpr std::size_t kMaxDefinitionInputBytes = 256 * 1024;
// Operations a trigger can listen for (change events' operationType).
inline constexpr const char* kTriggerOperations[] = {"insert", "update", "replace", "delete"};

common::Status ValidateDefinitionName(std::string_view name);

// Each checks a spec in the API's shape and returns it normalised (defaults filled in, unknown
// members refused). Shapes (docs/api.md):
//   connection {Uri}
//   function   {Url, Headers?: {name: value}}
//   schedule   {ScheduleExpression, ScheduleExpressionTimezone = "UTC", FlexibleTimeWindow =
//               {Mode: OFF}, Target: {Arn (a state machine), Input = "{}" (JSON text),
//               RoleArn?}, State = ENABLED|DISABLED, StartDate?, EndDate? (epoch seconds),
//               CatchUp = LATEST|ALL|NONE, ActionAfterCompletion = NONE|DELETE, Description?}
//   trigger    {Database, Collection, Operations = ["insert"], Match = {} (a filter on the
//               change event), Target: {Arn}, State = ENABLED|DISABLED, Description?}
common::Result<json::object> ValidateSpec(Kind kind, const json::object& spec);

// What is shown instead of a secret.
inline constexpr const char* kMaskedValue = "****";

// A MongoDB URI with its password replaced by "****" (for anything shown or logged).
std::string RedactUri(std::string_view uri);

// Seals and opens the secrets of named connections (docs/auth.md, "Secrets"): `tactus serve`
// passes one backed by the master key (AES-256-GCM). Must be thread-safe.
class SecretSealer {
 public:
  virtual ~SecretSealer() = default;
  // The sealed form of `plaintext`, bound to `aad` (what it belongs to).
  virtual json::object Seal(std::string_view plaintext, std::string_view aad) const = 0;
  // The plaintext; an error when `sealed` does not open with `aad` (another key, tampered).
  virtual common::Result<std::string> Open(const json::object& sealed,
                                           std::string_view aad) const = 0;
};

// One version of a connection's URI.
struct SecretVersion {
  std::int64_t version = 0;  // 1, 2, ...; 0 for a URI stored in clear (no sealer)
  common::TimeMs created = 0;
  std::string uri;  // empty in Definition::secret_versions (never read there)
};

// How long the version before the newest stays usable after a rotation, by default.
inline constexpr common::TimeMs kDefaultSecretGraceMs = 3600 * 1000;

struct Definition {
  std::string name;
  json::object spec;
  common::TimeMs created = 0, updated = 0;
  // Connections: the secret's versions, newest first (no URIs).
  std::vector<SecretVersion> secret_versions;
  // Schedules: the next fire time (nominal, before any flexible delay), the last one fired and
  // the execution it started. Triggers: the last execution started and the events seen.
  std::optional<common::TimeMs> next_fire, last_fire;
  std::string last_execution, last_error;
  std::int64_t fired = 0;
};

// The string member `name` of a spec (or of its Target), or `fallback` when absent or not a
// string.
std::string SpecString(const json::object& spec, std::string_view name, std::string fallback = "");

// A stored definition document as read from its collection.
Definition DefinitionFromDocument(const bson_t* doc);

// What a definition looks like to API callers: the spec (connection passwords and function
// header values masked) and its status fields.
json::object DefinitionToJson(Kind kind, const Definition& d, std::string_view arn);

class Registry {
 public:
  Registry(mongo::Pool& pool, std::string database);

  // Validates and stores. AlreadyExists when the name is taken (Create), NotFound when it is
  // not (Update). Schedules get their first fire time computed here.
  common::Status Create(Kind kind, const std::string& name, const json::object& spec,
                        common::TimeMs now);
  common::Status Update(Kind kind, const std::string& name, const json::object& spec,
                        common::TimeMs now);
  // NotFound when there is no such definition.
  common::Status Delete(Kind kind, const std::string& name);
  common::Result<std::optional<Definition>> Get(Kind kind, const std::string& name);
  // In name order, from the first name after `after`; at most `limit`.
  common::Result<std::vector<Definition>> List(Kind kind, std::string_view prefix,
                                               std::string_view after, std::int64_t limit);

  // With a sealer (which must outlive the registry), secrets are stored sealed: connection URIs
  // (the spec keeps the URI with its password masked, the field `secret` the sealed versions)
  // and function header values (the spec keeps the header names with masked values, `secret`
  // the sealed headers). Without one, both are stored as given (tests).
  void SetSealer(const SecretSealer* sealer) { sealer_ = sealer; }
  // Seals every connection and function still stored in clear (written before a sealer was
  // set); returns how many. Idempotent.
  common::Result<int> SealClearSecrets(common::TimeMs now);
  // A new version of a connection's URI (spec {Uri, Description?}); the newest version before it
  // stays (ConnectionVersions), older ones are dropped. NotFound when there is no such
  // connection; FailedPrecondition without a sealer.
  common::Status RotateConnection(const std::string& name, const json::object& spec,
                                  common::TimeMs now);
  // The versions of a connection's URI, newest first (at most two), or nullopt when there is no
  // such connection. Internal when a version does not open (another master key, tampered).
  common::Result<std::optional<std::vector<SecretVersion>>> ConnectionVersions(
      const std::string& name);
  // The newest URI of a named connection, or nullopt.
  common::Result<std::optional<std::string>> ConnectionUri(const std::string& name);
  // A function's spec with its header values in clear (to call it), or nullopt when there is no
  // such function. Internal when the sealed headers do not open; FailedPrecondition when they
  // are sealed and there is no sealer.
  common::Result<std::optional<json::object>> FunctionSpec(const std::string& name);

  mongo::Pool& pool() { return pool_; }
  const std::string& database() const { return database_; }

 private:
  // The connection document's `secret` field for `versions` (newest first, with URIs).
  std::string SealVersions(const std::string& name,
                           const std::vector<SecretVersion>& versions) const;
  // With a sealer and header values in `spec`: the function document's `secret` field, and the
  // values in `spec` masked. "" otherwise (spec unchanged).
  std::string SealHeaders(const std::string& name, json::object& spec) const;
  // The stored document of a definition, or nullopt.
  common::Result<std::optional<mongo::BsonPtr>> FindDocument(Kind kind, const std::string& name);

  mongo::Pool& pool_;
  std::string database_;
  const SecretSealer* sealer_ = nullptr;
};

// The first fire time of a schedule spec after `after` (nominal), honouring StartDate/EndDate;
// nullopt when it fires no more. `created`: the anchor of rate() when there is no StartDate.
common::Result<std::optional<common::TimeMs>> NextFireTime(const json::object& schedule_spec,
                                                           common::TimeMs after,
                                                           common::TimeMs created);

}  // namespace tactus::triggers
