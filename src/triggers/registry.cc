#include "triggers/registry.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/arn.h"
#include "triggers/flexible_window.h"
#include "triggers/schedule_expression.h"
#include "triggers/trigger_watcher.h"

namespace tactus::triggers {

using common::Status;
using mongo::BsonPtr;

namespace {

constexpr std::size_t kMaxDescriptionLength = 512;
constexpr std::size_t kMaxUrlLength = 2048;

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

// Members of `spec` outside `allowed`: the first one, as an error.
Status OnlyMembers(const json::object& spec, const std::vector<std::string_view>& allowed,
                   std::string_view where) {
  for (const auto& member : spec) {
    if (std::find(allowed.begin(), allowed.end(), member.key()) == allowed.end()) {
      return Invalid(std::string(where) + std::string(member.key()) + ": unknown member");
    }
  }
  return Status::Ok();
}

const json::value* Member(const json::object& o, std::string_view name) {
  return o.if_contains(name);
}

// A required (or, with `fallback`, optional) string member.
common::Result<std::string> StringMember(const json::object& o, std::string_view name,
                                         std::string_view where,
                                         std::optional<std::string_view> fallback = std::nullopt) {
  const json::value* v = Member(o, name);
  if (!v || v->is_null()) {
    if (fallback) return std::string(*fallback);
    return Invalid(std::string(where) + std::string(name) + ": required");
  }
  if (!v->is_string()) {
    return Invalid(std::string(where) + std::string(name) + ": must be a string, not " +
                   std::string(common::JsonKindName(*v)));
  }
  return std::string(v->as_string());
}

common::Result<std::string> OneOf(const json::object& o, std::string_view name,
                                  const std::vector<std::string_view>& values,
                                  std::string_view fallback) {
  auto s = StringMember(o, name, "", fallback);
  if (!s.ok()) return s.status();
  if (std::find(values.begin(), values.end(), *s) == values.end()) {
    std::string list;
    for (auto v : values) list += (list.empty() ? "" : ", ") + std::string(v);
    return Invalid(std::string(name) + ": '" + *s + "' is not one of " + list);
  }
  return s;
}

Status CheckDescription(const json::object& spec, json::object& out) {
  if (!spec.contains("Description")) return Status::Ok();
  auto d = StringMember(spec, "Description", "", "");
  if (!d.ok()) return d.status();
  if (d->size() > kMaxDescriptionLength) {
    return Invalid("Description: longer than " + std::to_string(kMaxDescriptionLength));
  }
  out["Description"] = *d;
  return Status::Ok();
}

// Target {Arn, Input?, RoleArn?}: Arn must be a state machine ARN.
Status CheckTarget(const json::object& spec, bool with_input, json::object& out) {
  const json::value* t = Member(spec, "Target");
  if (!t) return Invalid("Target: required");
  if (!t->is_object()) return Invalid("Target: must be an object");
  const json::object& target = t->as_object();
  if (auto st = OnlyMembers(
          target,
          with_input
              ? std::initializer_list<std::string_view>{"Arn", "Input", "RoleArn", "RetryPolicy"}
              : std::initializer_list<std::string_view>{"Arn", "RoleArn"},
          "Target.");
      !st.ok()) {
    return st;
  }
  auto arn = StringMember(target, "Arn", "Target.");
  if (!arn.ok()) return arn.status();
  if (auto parsed = common::ParseStatesArn(*arn, common::ArnResourceType::kStateMachine);
      !parsed.ok()) {
    return Invalid("Target.Arn: " + parsed.status().message());
  }
  json::object normal{{"Arn", *arn}};
  if (auto role = StringMember(target, "RoleArn", "Target.", ""); !role.ok()) {
    return role.status();
  } else if (!role->empty()) {
    normal["RoleArn"] = *role;
  }
  if (with_input) {
    auto input = StringMember(target, "Input", "Target.", "{}");
    if (!input.ok()) return input.status();
    if (input->size() > kMaxDefinitionInputBytes) {
      return Invalid("Target.Input: larger than " + std::to_string(kMaxDefinitionInputBytes) +
                     " bytes");
    }
    if (auto parsed = common::ParseJson(*input); !parsed.ok()) {
      return Invalid("Target.Input: not JSON text: " + parsed.status().message());
    }
    normal["Input"] = *input;
    if (const json::value* retry = Member(target, "RetryPolicy")) normal["RetryPolicy"] = *retry;
  }
  out["Target"] = std::move(normal);
  return Status::Ok();
}

common::Result<json::object> ValidateConnection(const json::object& spec) {
  if (auto st = OnlyMembers(spec, {"Uri", "Description"}, ""); !st.ok()) return st;
  auto uri = StringMember(spec, "Uri", "");
  if (!uri.ok()) return uri.status();
  if (uri->rfind("mongodb://", 0) != 0 && uri->rfind("mongodb+srv://", 0) != 0) {
    return Invalid("Uri: must start with mongodb:// or mongodb+srv://");
  }
  mongo::InitOnce();
  bson_error_t error{};
  mongoc_uri_t* parsed = mongoc_uri_new_with_error(uri->c_str(), &error);
  if (!parsed) return Invalid("Uri: not a valid MongoDB connection string");
  const char* password = mongoc_uri_get_password(parsed);
  bool has_password = password && *password;
  mongoc_uri_destroy(parsed);
  // What RedactUri cannot find, it cannot mask: refuse it rather than show it.
  if (has_password && RedactUri(*uri).find(":****@") == std::string::npos) {
    return Invalid("Uri: percent-encode the user name and password (RFC 3986)");
  }
  json::object out{{"Uri", *uri}};
  if (auto st = CheckDescription(spec, out); !st.ok()) return st;
  return out;
}

common::Result<json::object> ValidateFunction(const json::object& spec) {
  if (auto st = OnlyMembers(spec, {"Url", "Headers", "Description"}, ""); !st.ok()) return st;
  auto url = StringMember(spec, "Url", "");
  if (!url.ok()) return url.status();
  if ((url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) ||
      url->size() > kMaxUrlLength) {
    return Invalid("Url: must be an http:// or https:// URL of at most " +
                   std::to_string(kMaxUrlLength) + " characters");
  }
  json::object out{{"Url", *url}};
  if (const json::value* h = Member(spec, "Headers")) {
    if (!h->is_object()) return Invalid("Headers: must be an object of strings");
    for (const auto& header : h->as_object()) {
      if (!header.value().is_string()) {
        return Invalid("Headers." + std::string(header.key()) + ": must be a string");
      }
    }
    out["Headers"] = *h;
  }
  if (auto st = CheckDescription(spec, out); !st.ok()) return st;
  return out;
}

common::Result<json::object> ValidateSchedule(const json::object& spec) {
  if (auto st = OnlyMembers(
          spec,
          {"ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "Target",
           "State", "StartDate", "EndDate", "CatchUp", "ActionAfterCompletion", "Description",
           "GroupName", "ClientToken", "KmsKeyArn"},
          "");
      !st.ok()) {
    return st;
  }
  json::object out;
  auto expression = StringMember(spec, "ScheduleExpression", "");
  if (!expression.ok()) return expression.status();
  auto zone = StringMember(spec, "ScheduleExpressionTimezone", "", "UTC");
  if (!zone.ok()) return zone.status();
  auto parsed = ScheduleExpression::Parse(*expression, *zone);
  if (!parsed.ok()) return Invalid("ScheduleExpression: " + parsed.status().message());
  out["ScheduleExpression"] = *expression;
  out["ScheduleExpressionTimezone"] = *zone;
  json::value window = json::object{{"Mode", "OFF"}};
  if (const json::value* w = Member(spec, "FlexibleTimeWindow")) window = *w;
  auto flexible = ParseFlexibleWindow(window);
  if (!flexible.ok()) return flexible.status();
  out["FlexibleTimeWindow"] = FlexibleWindowToJson(*flexible);
  if (auto st = CheckTarget(spec, true, out); !st.ok()) return st;
  struct Choice {
    const char* name;
    std::vector<std::string_view> values;
    const char* fallback;
  };
  const Choice choices[] = {{"State", {"ENABLED", "DISABLED"}, "ENABLED"},
                            {"CatchUp", {"LATEST", "ALL", "NONE"}, "LATEST"},
                            {"ActionAfterCompletion", {"NONE", "DELETE"}, "NONE"}};
  for (const auto& [name, values, fallback] : choices) {
    auto v = OneOf(spec, name, values, fallback);
    if (!v.ok()) return v.status();
    out[name] = *v;
  }
  if (auto group = StringMember(spec, "GroupName", "", "default"); !group.ok()) {
    return group.status();
  } else if (*group != "default") {
    return Invalid("GroupName: only the 'default' group exists");
  }
  std::optional<double> start, end;
  for (const char* name : {"StartDate", "EndDate"}) {
    const json::value* v = Member(spec, name);
    if (!v || v->is_null()) continue;
    if (!common::IsNumber(*v)) return Invalid(std::string(name) + ": must be epoch seconds");
    double seconds = common::ToDouble(*v);
    if (seconds < 0 || seconds > 7258118400.0) {  // 2200-01-01
      return Invalid(std::string(name) + ": out of range");
    }
    (name[0] == 'S' ? start : end) = seconds;
    out[name] = seconds;
  }
  if (start && end && *end <= *start) return Invalid("EndDate: must be after StartDate");
  if (auto st = CheckDescription(spec, out); !st.ok()) return st;
  return out;
}

common::Result<json::object> ValidateTrigger(const json::object& spec) {
  if (auto st = OnlyMembers(
          spec, {"Database", "Collection", "Operations", "Match", "Target", "State", "Description"},
          "");
      !st.ok()) {
    return st;
  }
  json::object out;
  for (const char* name : {"Database", "Collection"}) {
    auto v = StringMember(spec, name, "");
    if (!v.ok()) return v.status();
    if (v->empty() || v->size() > 120 || v->find('\0') != std::string::npos ||
        (name[0] == 'D' && v->find_first_of("/\\. \"$") != std::string::npos) ||
        (name[0] == 'C' && (v->front() == '$' || v->rfind("system.", 0) == 0))) {
      return Invalid(std::string(name) + ": '" + *v + "' is not a valid name");
    }
    out[name] = *v;
  }
  json::array ops;
  if (const json::value* o = Member(spec, "Operations"); o && !o->is_null()) {
    if (!o->is_array() || o->as_array().empty()) {
      return Invalid("Operations: must be a non-empty array");
    }
    std::set<std::string> seen;
    for (const auto& op : o->as_array()) {
      bool known = false;
      if (op.is_string()) {
        for (const char* k : kTriggerOperations) known = known || op.as_string() == k;
      }
      if (!known) {
        return Invalid("Operations: '" + common::SerializeJson(op) +
                       "' is not insert, update, replace or delete");
      }
      if (seen.insert(std::string(op.as_string())).second) ops.push_back(op);
    }
  } else {
    ops.push_back("insert");
  }
  out["Operations"] = std::move(ops);
  json::value match = json::object();
  if (const json::value* m = Member(spec, "Match"); m && !m->is_null()) {
    if (!m->is_object()) return Invalid("Match: must be an object (a filter on change events)");
    if (common::JsonSize(*m) > kMaxDefinitionInputBytes) return Invalid("Match: too large");
    match = *m;
  }
  out["Match"] = std::move(match);
  if (auto st = CheckTarget(spec, false, out); !st.ok()) return st;
  auto state = OneOf(spec, "State", {"ENABLED", "DISABLED"}, "ENABLED");
  if (!state.ok()) return state.status();
  out["State"] = *state;
  if (auto st = CheckDescription(spec, out); !st.ok()) return st;
  return out;
}

}  // namespace

std::string SpecString(const json::object& spec, std::string_view name, std::string fallback) {
  const json::value* v = spec.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : fallback;
}

Definition DefinitionFromDocument(const bson_t* doc) {
  Definition d;
  d.name = mongo::GetString(doc, "_id");
  if (auto spec = common::ParseJson(mongo::GetString(doc, "spec"));
      spec.ok() && spec->is_object()) {
    d.spec = std::move(spec->as_object());
  }
  d.created = mongo::GetDateMs(doc, "created");
  d.updated = mongo::GetDateMs(doc, "updated");
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, "next") && BSON_ITER_HOLDS_DATE_TIME(&it)) {
    d.next_fire = bson_iter_date_time(&it);
  }
  if (bson_iter_init_find(&it, doc, "lastFire") && BSON_ITER_HOLDS_DATE_TIME(&it)) {
    d.last_fire = bson_iter_date_time(&it);
  }
  d.last_execution = mongo::GetString(doc, "lastExecution");
  d.last_error = mongo::GetString(doc, "lastError");
  d.fired = mongo::GetInt(doc, "fired");
  if (auto secret = common::ParseJson(mongo::GetString(doc, "secret"));
      secret.ok() && secret->is_object()) {
    if (auto* versions = secret->as_object().if_contains("versions");
        versions && versions->is_array()) {
      for (const auto& v : versions->as_array()) {
        if (!v.is_object()) continue;
        SecretVersion sv;
        if (auto* n = v.as_object().if_contains("version")) common::AsInt64(*n, &sv.version);
        if (auto* c = v.as_object().if_contains("created")) common::AsInt64(*c, &sv.created);
        d.secret_versions.push_back(std::move(sv));
      }
    }
  }
  return d;
}

namespace {

// What a sealed version is bound to: a ciphertext moved onto another connection or version
// does not open.
std::string SecretAad(const std::string& name, std::int64_t version) {
  return "connection/" + name + "/v" + std::to_string(version);
}

std::string HeadersAad(const std::string& name) { return "function/" + name + "/headers"; }

bool HasHeaders(const json::object& spec) {
  const json::value* headers = spec.if_contains("Headers");
  return headers && headers->is_object() && !headers->as_object().empty();
}

Status FromDb(const mongo::DbStatus& st) { return st.ToStatus(); }

// A disabled schedule has no next fire time: the scheduler never sees it.
bool Disabled(const json::object& spec) {
  const json::value* state = spec.if_contains("State");
  return state && state->is_string() && state->as_string() == "DISABLED";
}

}  // namespace

const char* CollectionOf(Kind kind) {
  switch (kind) {
    case Kind::kConnection:
      return "connections";
    case Kind::kFunction:
      return "functions";
    case Kind::kSchedule:
      return "schedules";
    case Kind::kTrigger:
      return "triggers";
  }
  return "";
}

const char* NameOf(Kind kind) {
  switch (kind) {
    case Kind::kConnection:
      return "connection";
    case Kind::kFunction:
      return "function";
    case Kind::kSchedule:
      return "schedule";
    case Kind::kTrigger:
      return "trigger";
  }
  return "";
}

Status ValidateDefinitionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxDefinitionNameLength) {
    return Invalid("Name: must be 1-" + std::to_string(kMaxDefinitionNameLength) + " characters");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return Invalid("Name: '" + std::string(name) +
                     "' may contain only letters, digits, '-', '_' and '.'");
    }
  }
  return Status::Ok();
}

common::Result<json::object> ValidateSpec(Kind kind, const json::object& spec) {
  switch (kind) {
    case Kind::kConnection:
      return ValidateConnection(spec);
    case Kind::kFunction:
      return ValidateFunction(spec);
    case Kind::kSchedule:
      return ValidateSchedule(spec);
    case Kind::kTrigger:
      return ValidateTrigger(spec);
  }
  return Invalid("unknown kind");
}

std::string RedactUri(std::string_view uri) {
  auto scheme = uri.find("://");
  if (scheme == std::string_view::npos) return std::string(uri);
  std::size_t start = scheme + 3;
  // libmongoc ends the user information at the last '@' before the first '/': a password may
  // hold '?' unencoded (a '?' there must not end the search).
  std::size_t host_end = uri.find('/', start);
  std::string_view authority = uri.substr(
      start, host_end == std::string_view::npos ? std::string_view::npos : host_end - start);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(uri);
  std::string_view userinfo = authority.substr(0, at);
  auto colon = userinfo.find(':');
  std::string out(uri.substr(0, start));
  out += userinfo.substr(0, colon);
  if (colon != std::string_view::npos) out += ":****";
  out += uri.substr(start + at);
  return out;
}

common::Result<std::optional<common::TimeMs>> NextFireTime(const json::object& spec,
                                                           common::TimeMs after,
                                                           common::TimeMs created) {
  auto zone = StringMember(spec, "ScheduleExpressionTimezone", "", "UTC");
  auto expression = StringMember(spec, "ScheduleExpression", "");
  if (!expression.ok()) return expression.status();
  auto parsed = ScheduleExpression::Parse(*expression, zone.ok() ? *zone : "UTC");
  if (!parsed.ok()) return parsed.status();
  std::optional<common::TimeMs> start, end;
  if (auto* v = spec.if_contains("StartDate"); v && common::IsNumber(*v)) {
    start = static_cast<common::TimeMs>(common::ToDouble(*v) * 1000);
  }
  if (auto* v = spec.if_contains("EndDate"); v && common::IsNumber(*v)) {
    end = static_cast<common::TimeMs>(common::ToDouble(*v) * 1000);
  }
  common::TimeMs from = after;
  if (start && *start - 1 > from) from = *start - 1;
  auto next = parsed->NextAfter(from, start.value_or(created));
  if (next && end && *next > *end) return std::optional<common::TimeMs>();
  return next;
}

json::object DefinitionToJson(Kind kind, const Definition& d, std::string_view arn) {
  json::object o = d.spec;
  if (kind == Kind::kConnection) {
    if (auto* uri = o.if_contains("Uri"); uri && uri->is_string()) {
      *uri = RedactUri(uri->as_string());
    }
  }
  if (kind == Kind::kFunction) {
    // Header values are often credentials (API keys, bearer tokens): never shown.
    if (auto* headers = o.if_contains("Headers"); headers && headers->is_object()) {
      for (auto& h : headers->as_object()) h.value() = kMaskedValue;
    }
  }
  if (kind == Kind::kConnection && !d.secret_versions.empty()) {
    // Never the secret: its versions and when each was set (its age).
    json::array versions;
    for (const auto& v : d.secret_versions) {
      versions.push_back(json::object{{"Version", v.version},
                                      {"CreationDate", static_cast<double>(v.created) / 1000.0}});
    }
    o["Secret"] = json::object{
        {"Version", d.secret_versions.front().version},
        {"RotationDate", static_cast<double>(d.secret_versions.front().created) / 1000.0},
        {"Versions", std::move(versions)}};
  }
  o["Name"] = d.name;
  if (!arn.empty()) o["Arn"] = arn;
  if (kind == Kind::kSchedule) o["GroupName"] = "default";
  o["CreationDate"] = static_cast<double>(d.created) / 1000.0;
  o["LastModificationDate"] = static_cast<double>(d.updated) / 1000.0;
  if (kind == Kind::kSchedule) {
    if (d.next_fire) o["NextFireTime"] = static_cast<double>(*d.next_fire) / 1000.0;
    if (d.last_fire) o["LastFireTime"] = static_cast<double>(*d.last_fire) / 1000.0;
  }
  if (kind == Kind::kSchedule || kind == Kind::kTrigger) {
    if (!d.last_execution.empty()) o["LastExecutionArn"] = d.last_execution;
    if (!d.last_error.empty()) o["LastError"] = d.last_error;
    o["ExecutionsStarted"] = d.fired;
  }
  return o;
}

Registry::Registry(mongo::Pool& pool, std::string database)
    : pool_(pool), database_(std::move(database)) {}

common::Status Registry::Create(Kind kind, const std::string& name, const json::object& spec,
                                common::TimeMs now) {
  if (auto st = ValidateDefinitionName(name); !st.ok()) return st;
  auto normal = ValidateSpec(kind, spec);
  if (!normal.ok()) return normal.status();
  std::string secret;
  if (kind == Kind::kConnection && sealer_) {
    std::string uri(normal->at("Uri").as_string());
    secret = SealVersions(name, {{1, now, uri}});
    (*normal)["Uri"] = RedactUri(uri);
  }
  if (kind == Kind::kFunction) secret = SealHeaders(name, *normal);
  std::string text = common::SerializeJson(*normal);
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(name.c_str()), "spec", BCON_UTF8(text.c_str()), "created",
                       BCON_DATE_TIME(now), "updated", BCON_DATE_TIME(now), "fired",
                       BCON_INT64(0)));
  if (!secret.empty()) BSON_APPEND_UTF8(doc.get(), "secret", secret.c_str());
  if (kind == Kind::kSchedule) {
    auto next =
        Disabled(*normal) ? std::optional<common::TimeMs>() : NextFireTime(*normal, now, now);
    if (!next.ok()) return next.status();
    if (*next) {
      BSON_APPEND_DATE_TIME(doc.get(), "next", **next);
    } else {
      BSON_APPEND_NULL(doc.get(), "next");
    }
  }
  mongo::Client client = pool_.Acquire();
  if (kind == Kind::kTrigger) {
    BSON_APPEND_UTF8(doc.get(), "owner", "");
    BSON_APPEND_DATE_TIME(doc.get(), "lease", 0);
    // Events from now on, even those before a watcher opens its stream.
    auto token = CurrentResumeToken(client, std::string(normal->at("Database").as_string()),
                                    std::string(normal->at("Collection").as_string()));
    if (!token.ok()) {
      return Status::FailedPrecondition(
          "cannot open a change stream on the trigger's "
          "collection: " +
          token.status().message());
    }
    BSON_APPEND_DOCUMENT(doc.get(), "resumeToken", token->get());
  }
  mongo::DbStatus st =
      mongo::InsertOne(client.Collection(database_, CollectionOf(kind)), doc.get(), nullptr);
  if (st.duplicate_key()) {
    return Status::AlreadyExists(std::string(NameOf(kind)) + " '" + name + "' already exists");
  }
  return FromDb(st);
}

common::Status Registry::Update(Kind kind, const std::string& name, const json::object& spec,
                                common::TimeMs now) {
  auto normal = ValidateSpec(kind, spec);
  if (!normal.ok()) return normal.status();
  auto existing = Get(kind, name);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    return Status::NotFound(std::string(NameOf(kind)) + " '" + name + "' does not exist");
  }
  std::string secret;
  if (kind == Kind::kConnection && sealer_) {
    // A new URI replaces every version (RotateConnection keeps the previous one).
    std::int64_t last =
        (*existing)->secret_versions.empty() ? 0 : (*existing)->secret_versions.front().version;
    std::string uri(normal->at("Uri").as_string());
    secret = SealVersions(name, {{last + 1, now, uri}});
    (*normal)["Uri"] = RedactUri(uri);
  }
  if (kind == Kind::kFunction) secret = SealHeaders(name, *normal);
  std::string text = common::SerializeJson(*normal);
  BsonPtr set(BCON_NEW("spec", BCON_UTF8(text.c_str()), "updated", BCON_DATE_TIME(now)));
  BsonPtr unset;
  if (!secret.empty()) {
    BSON_APPEND_UTF8(set.get(), "secret", secret.c_str());
  } else if (kind == Kind::kFunction) {
    unset.reset(BCON_NEW("secret", BCON_UTF8("")));  // no headers any more
  }
  if (kind == Kind::kSchedule) {
    auto next = Disabled(*normal) ? std::optional<common::TimeMs>()
                                  : NextFireTime(*normal, now, (*existing)->created);
    if (!next.ok()) return next.status();
    if (*next) {
      BSON_APPEND_DATE_TIME(set.get(), "next", **next);
    } else {
      BSON_APPEND_NULL(set.get(), "next");
    }
  }
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(name.c_str())));
  BsonPtr update(bson_new());
  BSON_APPEND_DOCUMENT(update.get(), "$set", set.get());
  if (unset) BSON_APPEND_DOCUMENT(update.get(), "$unset", unset.get());
  mongo::Client client = pool_.Acquire();
  std::int64_t matched = 0;
  mongo::DbStatus st = mongo::UpdateOne(client.Collection(database_, CollectionOf(kind)),
                                        filter.get(), update.get(), nullptr, &matched);
  if (st.ok() && matched == 0) {
    return Status::NotFound(std::string(NameOf(kind)) + " '" + name + "' does not exist");
  }
  return FromDb(st);
}

common::Status Registry::Delete(Kind kind, const std::string& name) {
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(name.c_str())));
  mongo::Client client = pool_.Acquire();
  std::int64_t deleted = 0;
  mongo::DbStatus st = mongo::DeleteOne(client.Collection(database_, CollectionOf(kind)),
                                        filter.get(), nullptr, &deleted);
  if (st.ok() && deleted == 0) {
    return Status::NotFound(std::string(NameOf(kind)) + " '" + name + "' does not exist");
  }
  return FromDb(st);
}

common::Result<std::optional<BsonPtr>> Registry::FindDocument(Kind kind, const std::string& name) {
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(name.c_str())));
  mongo::Client client = pool_.Acquire();
  return mongo::FindOne(client.Collection(database_, CollectionOf(kind)), filter.get(), nullptr,
                        nullptr);
}

common::Result<std::optional<Definition>> Registry::Get(Kind kind, const std::string& name) {
  auto doc = FindDocument(kind, name);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return std::optional<Definition>();
  return std::optional<Definition>(DefinitionFromDocument(doc->value().get()));
}

common::Result<std::vector<Definition>> Registry::List(Kind kind, std::string_view prefix,
                                                       std::string_view after, std::int64_t limit) {
  std::string lo(prefix), from(after);
  BsonPtr filter(bson_new());
  bson_t range;
  BSON_APPEND_DOCUMENT_BEGIN(filter.get(), "_id", &range);
  if (!from.empty() && from >= lo) {
    BSON_APPEND_UTF8(&range, "$gt", from.c_str());
  } else {
    BSON_APPEND_UTF8(&range, "$gte", lo.c_str());
  }
  if (!lo.empty()) {
    std::string hi = lo;
    hi.back() = static_cast<char>(hi.back() + 1);
    BSON_APPEND_UTF8(&range, "$lt", hi.c_str());
  }
  bson_append_document_end(filter.get(), &range);
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit", BCON_INT64(limit)));
  mongo::Client client = pool_.Acquire();
  std::vector<Definition> out;
  mongo::DbStatus st = mongo::Find(client.Collection(database_, CollectionOf(kind)), filter.get(),
                                   opts.get(), nullptr, [&](const bson_t* doc) {
                                     out.push_back(DefinitionFromDocument(doc));
                                     return true;
                                   });
  if (!st.ok()) return st.ToStatus();
  return out;
}

std::string Registry::SealVersions(const std::string& name,
                                   const std::vector<SecretVersion>& versions) const {
  json::array list;
  for (const auto& v : versions) {
    list.push_back(json::object{{"version", v.version},
                                {"created", v.created},
                                {"sealed", sealer_->Seal(v.uri, SecretAad(name, v.version))}});
  }
  return common::SerializeJson(json::object{{"versions", std::move(list)}});
}

std::string Registry::SealHeaders(const std::string& name, json::object& spec) const {
  if (!sealer_ || !HasHeaders(spec)) return "";
  json::object& headers = spec["Headers"].as_object();
  std::string clear = common::SerializeJson(headers);
  for (auto& h : headers) h.value() = kMaskedValue;
  return common::SerializeJson(json::object{{"headers", sealer_->Seal(clear, HeadersAad(name))}});
}

common::Result<std::optional<json::object>> Registry::FunctionSpec(const std::string& name) {
  using Spec = std::optional<json::object>;
  auto doc = FindDocument(Kind::kFunction, name);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return Spec();
  Definition def = DefinitionFromDocument(doc->value().get());
  std::string secret = mongo::GetString(doc->value().get(), "secret");
  if (secret.empty()) return Spec(std::move(def.spec));  // no headers, or stored in clear
  if (!sealer_) {
    return Status::FailedPrecondition("function '" + name +
                                      "' has sealed headers and no master key is loaded");
  }
  auto parsed = common::ParseJson(secret);
  const json::value* sealed =
      parsed.ok() && parsed->is_object() ? parsed->as_object().if_contains("headers") : nullptr;
  if (!sealed || !sealed->is_object()) {
    return Status::Internal("function '" + name + "': malformed secret");
  }
  auto clear = sealer_->Open(sealed->as_object(), HeadersAad(name));
  if (!clear.ok()) {
    return Status::Internal("function '" + name +
                            "': the headers do not open: " + clear.status().message());
  }
  auto headers = common::ParseJson(*clear);
  if (!headers.ok() || !headers->is_object()) {
    return Status::Internal("function '" + name + "': malformed sealed headers");
  }
  def.spec["Headers"] = std::move(*headers);
  return Spec(std::move(def.spec));
}

common::Result<std::optional<std::vector<SecretVersion>>> Registry::ConnectionVersions(
    const std::string& name) {
  using Versions = std::optional<std::vector<SecretVersion>>;
  auto doc = FindDocument(Kind::kConnection, name);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return Versions();
  const bson_t* d = doc->value().get();
  std::vector<SecretVersion> out;
  std::string secret = mongo::GetString(d, "secret");
  if (secret.empty()) {
    // Stored in clear (no sealer when it was written): the spec's URI.
    Definition def = DefinitionFromDocument(d);
    auto* uri = def.spec.if_contains("Uri");
    if (!uri || !uri->is_string()) return Versions();
    out.push_back({0, def.updated, std::string(uri->as_string())});
    return Versions(std::move(out));
  }
  if (!sealer_) {
    return Status::FailedPrecondition("connection '" + name +
                                      "' is sealed and no master key is loaded");
  }
  auto parsed = common::ParseJson(secret);
  const json::value* versions =
      parsed.ok() && parsed->is_object() ? parsed->as_object().if_contains("versions") : nullptr;
  if (!versions || !versions->is_array()) {
    return Status::Internal("connection '" + name + "': malformed secret");
  }
  for (const auto& v : versions->as_array()) {
    const json::object* o = v.if_object();
    const json::value* sealed = o ? o->if_contains("sealed") : nullptr;
    SecretVersion sv;
    if (!o || !sealed || !sealed->is_object() || !o->contains("version") ||
        !common::AsInt64(o->at("version"), &sv.version)) {
      return Status::Internal("connection '" + name + "': malformed secret");
    }
    if (auto* c = o->if_contains("created")) common::AsInt64(*c, &sv.created);
    auto uri = sealer_->Open(sealed->as_object(), SecretAad(name, sv.version));
    if (!uri.ok()) {
      return Status::Internal("connection '" + name + "': version " + std::to_string(sv.version) +
                              " does not open: " + uri.status().message());
    }
    sv.uri = std::move(*uri);
    out.push_back(std::move(sv));
  }
  if (out.empty()) return Status::Internal("connection '" + name + "': no secret version");
  return Versions(std::move(out));
}

common::Result<std::optional<std::string>> Registry::ConnectionUri(const std::string& name) {
  auto versions = ConnectionVersions(name);
  if (!versions.ok()) return versions.status();
  if (!*versions) return std::optional<std::string>();
  return std::optional<std::string>((*versions)->front().uri);
}

common::Status Registry::RotateConnection(const std::string& name, const json::object& spec,
                                          common::TimeMs now) {
  if (!sealer_) return Status::FailedPrecondition("connections are not sealed: no master key");
  auto normal = ValidateSpec(Kind::kConnection, spec);
  if (!normal.ok()) return normal.status();
  auto versions = ConnectionVersions(name);
  if (!versions.ok()) return versions.status();
  if (!*versions) return Status::NotFound("connection '" + name + "' does not exist");
  const SecretVersion& newest = (*versions)->front();
  std::string uri(normal->at("Uri").as_string());
  std::string secret = SealVersions(name, {{newest.version + 1, now, uri}, newest});
  (*normal)["Uri"] = RedactUri(uri);
  std::string text = common::SerializeJson(*normal);
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(name.c_str())));
  BsonPtr update(BCON_NEW("$set", "{", "spec", BCON_UTF8(text.c_str()), "secret",
                          BCON_UTF8(secret.c_str()), "updated", BCON_DATE_TIME(now), "}"));
  mongo::Client client = pool_.Acquire();
  std::int64_t matched = 0;
  mongo::DbStatus st =
      mongo::UpdateOne(client.Collection(database_, CollectionOf(Kind::kConnection)), filter.get(),
                       update.get(), nullptr, &matched);
  if (st.ok() && matched == 0) return Status::NotFound("connection '" + name + "' does not exist");
  return FromDb(st);
}

common::Result<int> Registry::SealClearSecrets(common::TimeMs now) {
  if (!sealer_) return 0;
  mongo::Client client = pool_.Acquire();
  int sealed = 0;
  for (Kind kind : {Kind::kConnection, Kind::kFunction}) {
    mongoc_collection_t* collection = client.Collection(database_, CollectionOf(kind));
    BsonPtr filter(BCON_NEW("secret", "{", "$exists", BCON_BOOL(false), "}"));
    std::vector<Definition> clear;
    mongo::DbStatus st =
        mongo::Find(collection, filter.get(), nullptr, nullptr, [&](const bson_t* doc) {
          clear.push_back(DefinitionFromDocument(doc));
          return true;
        });
    if (!st.ok()) return st.ToStatus();
    for (auto& d : clear) {
      std::string secret;
      if (kind == Kind::kFunction) {
        secret = SealHeaders(d.name, d.spec);
      } else if (auto* uri = d.spec.if_contains("Uri"); uri && uri->is_string()) {
        secret =
            SealVersions(d.name, {{1, d.updated ? d.updated : now, std::string(uri->as_string())}});
        d.spec["Uri"] = RedactUri(uri->as_string());
      }
      if (secret.empty()) continue;
      std::string text = common::SerializeJson(d.spec);
      BsonPtr one(BCON_NEW("_id", BCON_UTF8(d.name.c_str()), "secret", "{", "$exists",
                           BCON_BOOL(false), "}"));
      BsonPtr update(BCON_NEW("$set", "{", "spec", BCON_UTF8(text.c_str()), "secret",
                              BCON_UTF8(secret.c_str()), "}"));
      st = mongo::UpdateOne(collection, one.get(), update.get(), nullptr);
      if (!st.ok()) return st.ToStatus();
      ++sealed;
    }
  }
  return sealed;
}

}  // namespace tactus::triggers
