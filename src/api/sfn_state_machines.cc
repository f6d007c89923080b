// State machine actions, tags and definition validation.
#include <boost/algorithm/hex.hpp>

#include "api/sfn_internal.h"
#include "asl/model.h"
#include "asl/validator.h"

namespace tactus::api {

using mongo::BsonPtr;

namespace {

json::object LoggingDefault() {
  return {{"level", "OFF"}, {"includeExecutionData", false}};
}

// The `type` member: STANDARD (default) or EXPRESS.
ApiResult<std::string> MachineType(const Params& p) {
  auto type = OptionalString(p, "type", 16);
  if (!type.ok()) return std::move(type).error();
  std::string t = type->value_or("STANDARD");
  if (t != "STANDARD" && t != "EXPRESS") {
    json::value v(t);
    return ConstraintViolation("type", &v,
                               "Member must satisfy enum value set: [STANDARD, EXPRESS]");
  }
  return t;
}

// A definition that parses and validates, or InvalidDefinition listing the diagnostics as AWS.
ApiResult<std::string> CheckedDefinition(const Params& p) {
  auto definition = RequireString(p, "definition", kMaxDefinitionBytes);
  if (!definition.ok()) return std::move(definition).error();
  auto diagnostics = asl::ValidateDefinitionText(*definition);
  if (diagnostics.empty()) return *definition;
  std::string message = "Invalid State Machine Definition: '";
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    if (i) message += ", ";
    message += diagnostics[i].code + ": " + diagnostics[i].message;
    if (!diagnostics[i].location.empty()) message += " at " + diagnostics[i].location;
  }
  return MakeApiError(error_code::kInvalidDefinition, message + "'");
}

// Tags as [{key, value}], validated.
ApiResult<json::array> TagList(const Params& p, const char* member) {
  json::array out;
  auto* tags = p.if_contains(member);
  if (!tags || tags->is_null()) return out;
  if (!tags->is_array()) return SerializationError(std::string("'") + member + "' must be a list");
  if (tags->as_array().size() > kMaxTags) {
    return MakeApiError(error_code::kTooManyTags, "Too many tags: at most 50 per resource");
  }
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) return SerializationError("each tag must be an object {key, value}");
    auto key = RequireString(t.as_object(), "key", 128);
    if (!key.ok()) return std::move(key).error();
    auto value = OptionalString(t.as_object(), "value", 256);
    if (!value.ok()) return std::move(value).error();
    out.push_back(json::object{{"key", *key}, {"value", value->value_or("")}});
  }
  return out;
}

json::array ParseTags(const std::string& text) {
  auto v = common::ParseJson(text.empty() ? "[]" : text);
  return v.ok() && v->is_array() ? v->as_array() : json::array();
}

json::array MergeTags(json::array current, const json::array& add) {
  for (const auto& t : add) {
    bool replaced = false;
    for (auto& c : current) {
      if (c.as_object().at("key") == t.as_object().at("key")) {
        c = t;
        replaced = true;
      }
    }
    if (!replaced) current.push_back(t);
  }
  return current;
}

json::object Describe(const bson_t* doc) {
  json::object o{{"stateMachineArn", mongo::GetString(doc, "_id")},
                 {"name", mongo::GetString(doc, "name")},
                 {"status", "ACTIVE"},
                 {"definition", mongo::GetString(doc, "definition")},
                 {"roleArn", mongo::GetString(doc, "roleArn")},
                 {"type", mongo::GetString(doc, "type")},
                 {"creationDate", Seconds(mongo::GetDateMs(doc, "createdAt"))},
                 {"loggingConfiguration", LoggingDefault()},
                 {"tracingConfiguration", json::object{{"enabled", false}}},
                 {"revisionId", std::to_string(mongo::GetInt(doc, "revision"))}};
  if (auto d = mongo::GetString(doc, "description"); !d.empty()) o["description"] = d;
  if (auto logging = common::ParseJson(mongo::GetString(doc, "logging", "null"));
      logging.ok() && logging->is_object()) {
    o["loggingConfiguration"] = *logging;
  }
  return o;
}

}  // namespace

ApiError FromRunner(const runtime::RunnerError& e) { return MakeApiError(e.code, e.message); }

std::string EncodePageToken(const std::string& key) {
  std::string out;
  boost::algorithm::hex(key.begin(), key.end(), std::back_inserter(out));
  return out;
}

ApiResult<std::string> DecodePageToken(const std::string& token) {
  std::string out;
  try {
    boost::algorithm::unhex(token.begin(), token.end(), std::back_inserter(out));
  } catch (const std::exception&) {
    return MakeApiError(error_code::kInvalidToken, "Invalid Token: the nextToken is malformed");
  }
  return out;
}

ApiResult<std::int64_t> PageSize(const Params& p) {
  auto n = OptionalInt(p, "maxResults", 0, kMaxPageSize);
  if (!n.ok()) return std::move(n).error();
  std::int64_t size = n->value_or(0);
  return size == 0 ? kDefaultPageSize : size;
}

ApiResult<std::string> JsonTextMember(const Params& p, std::string_view name,
                                      std::string_view error_code, std::string fallback) {
  auto text = OptionalString(p, name, kMaxInputBytes);
  if (!text.ok()) return std::move(text).error();
  std::string t = text->value_or(std::move(fallback));
  auto parsed = common::ParseJson(t);
  if (!parsed.ok()) {
    return MakeApiError(error_code, "Invalid " + std::string(name) +
                                        ": not valid JSON: " + parsed.status().message());
  }
  return t;
}

ApiResult<BsonPtr> StepFunctionsApi::Impl::FindStateMachine(mongo::Client& c,
                                                             const std::string& arn) {
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
  auto doc = mongo::FindOne(Coll(c, kStateMachines), filter.get(), nullptr, nullptr);
  if (!doc.ok()) return InternalFailure(doc.status().message());
  if (!doc->has_value()) {
    return MakeApiError(error_code::kStateMachineDoesNotExist,
                        "State Machine Does Not Exist: '" + arn + "'");
  }
  return std::move(doc->value());
}

ApiResult<std::shared_ptr<const MachineInfo>> StepFunctionsApi::Impl::LookupMachine(
    const std::string& arn) {
  common::TimeMs now = clock.Now();
  {
    std::lock_guard lock(machines_mu);
    auto it = machines.find(arn);
    if (it != machines.end() && now - it->second->read_at < kMachineCacheMs) return it->second;
  }
  BsonPtr doc;
  {
    mongo::Client c = pool.Acquire();
    auto found = FindStateMachine(c, arn);
    if (!found.ok()) return std::move(found).error();
    doc = std::move(*found);
  }
  auto info = std::make_shared<MachineInfo>();
  info->arn = arn;
  info->name = mongo::GetString(doc.get(), "name");
  info->type = mongo::GetString(doc.get(), "type");
  info->role = mongo::GetString(doc.get(), "roleArn");
  info->revision = mongo::GetInt(doc.get(), "revision");
  info->read_at = now;
  auto machine = asl::ParseStateMachine(mongo::GetString(doc.get(), "definition"));
  if (!machine.ok()) return InternalFailure(machine.status().message());
  info->machine = *machine;
  std::lock_guard lock(machines_mu);
  machines[arn] = info;
  return std::shared_ptr<const MachineInfo>(info);
}

void StepFunctionsApi::Impl::ForgetMachine(const std::string& arn) {
  std::lock_guard lock(machines_mu);
  machines.erase(arn);
}

Reply StepFunctionsApi::Impl::CreateStateMachine(const Params& p) {
  auto name = RequireString(p, "name", common::kMaxResourceNameChars);
  if (!name.ok()) return std::move(name).error();
  if (auto st = common::ValidateResourceName(*name); !st.ok()) return ArnOrNameError(st);
  auto definition = CheckedDefinition(p);
  if (!definition.ok()) return std::move(definition).error();
  auto role = RequireString(p, "roleArn", common::kMaxArnLength);
  if (!role.ok()) return std::move(role).error();
  auto type = MachineType(p);
  if (!type.ok()) return std::move(type).error();
  auto tags = TagList(p, "tags");
  if (!tags.ok()) return std::move(tags).error();
  std::string logging;
  if (auto* l = p.if_contains("loggingConfiguration"); l && l->is_object()) {
    logging = common::SerializeJson(*l);
  }
  std::string arn = common::FormatStateMachineArn(options.arns, *name);
  common::TimeMs now = clock.Now();
  mongo::Client c = pool.Acquire();
  auto session = c.StartSession();
  if (!session.ok()) return InternalFailure(session.status().message());
  if (auto st = (*session)->Begin(); !st.ok()) return InternalFailure(st.message());
  std::string tags_text = common::SerializeJson(*tags);
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(arn.c_str()), "name", BCON_UTF8(name->c_str()), "type",
                       BCON_UTF8(type->c_str()), "definition", BCON_UTF8(definition->c_str()),
                       "roleArn", BCON_UTF8(role->c_str()), "revision", BCON_INT64(1),
                       "createdAt", BCON_DATE_TIME(now), "updatedAt", BCON_DATE_TIME(now), "tags",
                       BCON_UTF8(tags_text.c_str()), "logging", BCON_UTF8(logging.c_str())));
  mongo::DbStatus st = mongo::InsertOne(Coll(c, kStateMachines), doc.get(), session->get());
  if (st.duplicate_key()) {
    (*session)->Abort();
    // AWS: the same name with the same definition and role is idempotent; otherwise a conflict.
    auto existing = FindStateMachine(c, arn);
    if (existing.ok() && mongo::GetString(existing->get(), "definition") == *definition &&
        mongo::GetString(existing->get(), "roleArn") == *role &&
        mongo::GetString(existing->get(), "type") == *type) {
      return json::object{{"stateMachineArn", arn},
                          {"creationDate", Seconds(mongo::GetDateMs(existing->get(), "createdAt"))}};
    }
    return MakeApiError(error_code::kStateMachineAlreadyExists,
                        "State Machine Already Exists: '" + arn + "'");
  }
  std::string rev_id = runtime::SeqKey(arn, 1);
  BsonPtr rev(BCON_NEW("_id", BCON_UTF8(rev_id.c_str()), "definition",
                       BCON_UTF8(definition->c_str()), "roleArn", BCON_UTF8(role->c_str()),
                       "createdAt", BCON_DATE_TIME(now)));
  if (st.ok()) st = mongo::InsertOne(Coll(c, kRevisions), rev.get(), session->get());
  if (st.ok()) st = (*session)->Commit();
  if (!st.ok()) return InternalFailure(st.message());
  return json::object{{"stateMachineArn", arn}, {"creationDate", Seconds(now)}};
}

Reply StepFunctionsApi::Impl::DescribeStateMachine(const Params& p) {
  auto arn = RequireArn(p, "stateMachineArn", common::ArnResourceType::kStateMachine);
  if (!arn.ok()) return std::move(arn).error();
  mongo::Client c = pool.Acquire();
  auto doc = FindStateMachine(c, common::FormatArn(*arn));
  if (!doc.ok()) return std::move(doc).error();
  return Describe(doc->get());
}

Reply StepFunctionsApi::Impl::UpdateStateMachine(const Params& p) {
  auto arn_parsed = RequireArn(p, "stateMachineArn", common::ArnResourceType::kStateMachine);
  if (!arn_parsed.ok()) return std::move(arn_parsed).error();
  std::string arn = common::FormatArn(*arn_parsed);
  std::optional<std::string> definition;
  if (p.contains("definition")) {
    auto d = CheckedDefinition(p);
    if (!d.ok()) return std::move(d).error();
    definition = *d;
  }
  auto role = OptionalString(p, "roleArn", common::kMaxArnLength, 1);
  if (!role.ok()) return std::move(role).error();
  if (!definition && !*role && !p.contains("loggingConfiguration") &&
      !p.contains("tracingConfiguration")) {
    return MakeApiError(error_code::kMissingRequiredParameter,
                        "Either the definition, the roleArn, the loggingConfiguration or the "
                        "tracingConfiguration must be specified");
  }
  mongo::Client c = pool.Acquire();
  common::TimeMs now = clock.Now();
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto doc = FindStateMachine(c, arn);
    if (!doc.ok()) return std::move(doc).error();
    std::int64_t revision = mongo::GetInt(doc->get(), "revision");
    std::string new_def = definition.value_or(mongo::GetString(doc->get(), "definition"));
    std::string new_role = role->value_or(mongo::GetString(doc->get(), "roleArn"));
    auto session = c.StartSession();
    if (!session.ok()) return InternalFailure(session.status().message());
    if (auto st = (*session)->Begin(); !st.ok()) return InternalFailure(st.message());
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str()), "revision", BCON_INT64(revision)));
    BsonPtr set(BCON_NEW("definition", BCON_UTF8(new_def.c_str()), "roleArn",
                         BCON_UTF8(new_role.c_str()), "revision", BCON_INT64(revision + 1),
                         "updatedAt", BCON_DATE_TIME(now)));
    if (auto* l = p.if_contains("loggingConfiguration"); l && l->is_object()) {
      BSON_APPEND_UTF8(set.get(), "logging", common::SerializeJson(*l).c_str());
    }
    BsonPtr update(bson_new());
    BSON_APPEND_DOCUMENT(update.get(), "$set", set.get());
    std::int64_t matched = 0;
    mongo::DbStatus st =
        mongo::UpdateOne(Coll(c, kStateMachines), filter.get(), update.get(), session->get(),
                         &matched);
    if (st.ok() && !matched) continue;  // updated concurrently: read again
    std::string rev_id = runtime::SeqKey(arn, revision + 1);
    BsonPtr rev(BCON_NEW("_id", BCON_UTF8(rev_id.c_str()), "definition",
                         BCON_UTF8(new_def.c_str()), "roleArn", BCON_UTF8(new_role.c_str()),
                         "createdAt", BCON_DATE_TIME(now)));
    if (st.ok()) st = mongo::InsertOne(Coll(c, kRevisions), rev.get(), session->get());
    if (st.ok()) st = (*session)->Commit();
    if (st.ok()) {
      ForgetMachine(arn);
      return json::object{{"updateDate", Seconds(now)},
                          {"revisionId", std::to_string(revision + 1)}};
    }
    if (!st.transient()) return InternalFailure(st.message());
  }
  return MakeApiError(error_code::kConflictException, "the state machine changed concurrently");
}

Reply StepFunctionsApi::Impl::DeleteStateMachine(const Params& p) {
  auto arn = RequireArn(p, "stateMachineArn", common::ArnResourceType::kStateMachine);
  if (!arn.ok()) return std::move(arn).error();
  mongo::Client c = pool.Acquire();
  std::string text = common::FormatArn(*arn);
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(text.c_str())));
  // Running executions keep their revision documents and finish; AWS answers even for a
  // machine that does not exist.
  mongo::DbStatus st = mongo::DeleteOne(Coll(c, kStateMachines), filter.get(), nullptr);
  if (!st.ok()) return InternalFailure(st.message());
  ForgetMachine(text);
  return json::object{};
}

Reply StepFunctionsApi::Impl::ListById(const Params& p, const char* collection,
                                       const char* list_key,
                                       const std::function<json::object(const bson_t*)>& row) {
  auto size = PageSize(p);
  if (!size.ok()) return std::move(size).error();
  auto token = OptionalString(p, "nextToken", 1024, 1);
  if (!token.ok()) return std::move(token).error();
  BsonPtr filter(bson_new());
  if (*token) {
    auto after = DecodePageToken(**token);
    if (!after.ok()) return std::move(after).error();
    BsonPtr gt(BCON_NEW("$gt", BCON_UTF8(after->c_str())));
    BSON_APPEND_DOCUMENT(filter.get(), "_id", gt.get());
  }
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit", BCON_INT64(*size + 1)));
  mongo::Client c = pool.Acquire();
  json::array items;
  std::string last;
  bool more = false;
  mongo::DbStatus st =
      mongo::Find(Coll(c, collection), filter.get(), opts.get(), nullptr, [&](const bson_t* d) {
        if (static_cast<std::int64_t>(items.size()) == *size) {
          more = true;
          return false;
        }
        last = mongo::GetString(d, "_id");
        items.push_back(row(d));
        return true;
      });
  if (!st.ok()) return InternalFailure(st.message());
  json::object out{{list_key, std::move(items)}};
  if (more) out["nextToken"] = EncodePageToken(last);
  return out;
}

Reply StepFunctionsApi::Impl::ListStateMachines(const Params& p) {
  return ListById(p, kStateMachines, "stateMachines", [](const bson_t* d) {
    return json::object{{"stateMachineArn", mongo::GetString(d, "_id")},
                        {"name", mongo::GetString(d, "name")},
                        {"type", mongo::GetString(d, "type")},
                        {"creationDate", Seconds(mongo::GetDateMs(d, "createdAt"))}};
  });
}

Reply StepFunctionsApi::Impl::ValidateStateMachineDefinition(const Params& p) {
  auto definition = RequireString(p, "definition", kMaxDefinitionBytes);
  if (!definition.ok()) return std::move(definition).error();
  auto type = MachineType(p);
  if (!type.ok()) return std::move(type).error();
  json::array diagnostics;
  for (const auto& d : asl::ValidateDefinitionText(*definition)) {
    json::object o{{"severity", "ERROR"}, {"code", d.code}, {"message", d.message}};
    if (!d.location.empty()) o["location"] = d.location;
    diagnostics.push_back(std::move(o));
  }
  json::object out{{"result", diagnostics.empty() ? "OK" : "FAIL"},
                   {"diagnostics", std::move(diagnostics)},
                   {"truncated", false}};
  return out;
}

Reply StepFunctionsApi::Impl::DescribeStateMachineForExecution(const Params& p) {
  auto arn = RequireArn(p, "executionArn", common::ArnResourceType::kExecution);
  if (!arn.ok()) return std::move(arn).error();
  std::string text = common::FormatArn(*arn);
  mongo::Client c = pool.Acquire();
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(text.c_str())));
  auto exec = mongo::FindOne(Coll(c, kExecutions), filter.get(), nullptr, nullptr);
  if (!exec.ok()) return InternalFailure(exec.status().message());
  if (!exec->has_value()) {
    return MakeApiError(error_code::kExecutionDoesNotExist,
                        "Execution Does Not Exist: '" + text + "'");
  }
  std::string sm = mongo::GetString(exec->value().get(), "sm");
  std::int64_t revision = mongo::GetInt(exec->value().get(), "revision");
  std::string rev_id = runtime::SeqKey(sm, revision);
  BsonPtr rev_filter(BCON_NEW("_id", BCON_UTF8(rev_id.c_str())));
  auto rev = mongo::FindOne(Coll(c, kRevisions), rev_filter.get(), nullptr, nullptr);
  if (!rev.ok() || !rev->has_value()) return InternalFailure("revision " + rev_id + " missing");
  return json::object{{"stateMachineArn", sm},
                      {"name", mongo::GetString(exec->value().get(), "smName")},
                      {"definition", mongo::GetString(rev->value().get(), "definition")},
                      {"roleArn", mongo::GetString(rev->value().get(), "roleArn")},
                      {"updateDate", Seconds(mongo::GetDateMs(rev->value().get(), "createdAt"))},
                      {"revisionId", std::to_string(revision)},
                      {"loggingConfiguration", LoggingDefault()},
                      {"tracingConfiguration", json::object{{"enabled", false}}}};
}

namespace {
// The collection holding a taggable resource: state machines and activities.
ApiResult<const char*> TaggableCollection(const Params& p, std::string* arn) {
  auto text = RequireString(p, "resourceArn", common::kMaxArnLength);
  if (!text.ok()) return std::move(text).error();
  auto parsed = common::ParseStatesArn(*text);
  if (!parsed.ok()) return ArnOrNameError(parsed.status());
  *arn = common::FormatArn(*parsed);
  if (parsed->type == common::ArnResourceType::kStateMachine) return kStateMachines;
  if (parsed->type == common::ArnResourceType::kActivity) return kActivities;
  return MakeApiError(error_code::kInvalidArn,
                      "Invalid Arn: 'Resource type not valid in this context: " +
                          std::string(common::ArnResourceTypeName(parsed->type)) + "'");
}
}  // namespace

// Reads a resource's tags and, when `change` is given, writes back what it makes of them.
static Reply ChangeTags(StepFunctionsApi::Impl& x, const Params& p,
                        const std::function<json::array(json::array)>& change) {
  std::string arn;
  auto coll = TaggableCollection(p, &arn);
  if (!coll.ok()) return std::move(coll).error();
  mongo::Client c = x.pool.Acquire();
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
  auto doc = mongo::FindOne(x.Coll(c, *coll), filter.get(), nullptr, nullptr);
  if (!doc.ok()) return InternalFailure(doc.status().message());
  if (!doc->has_value()) {
    return MakeApiError(error_code::kResourceNotFound, "Resource not found: '" + arn + "'");
  }
  json::array tags = ParseTags(mongo::GetString(doc->value().get(), "tags"));
  if (!change) return json::object{{"tags", tags}};
  tags = change(std::move(tags));
  if (tags.size() > kMaxTags) {
    return MakeApiError(error_code::kTooManyTags, "Too many tags: at most 50 per resource");
  }
  std::string text = common::SerializeJson(tags);
  BsonPtr update(BCON_NEW("$set", "{", "tags", BCON_UTF8(text.c_str()), "}"));
  mongo::DbStatus st = mongo::UpdateOne(x.Coll(c, *coll), filter.get(), update.get(), nullptr);
  if (!st.ok()) return InternalFailure(st.message());
  return json::object{{"tags", tags}};
}

Reply StepFunctionsApi::Impl::TagResource(const Params& p) {
  auto tags = TagList(p, "tags");
  if (!tags.ok()) return std::move(tags).error();
  auto r = ChangeTags(*this, p, [&](json::array current) { return MergeTags(current, *tags); });
  if (!r.ok()) return r;
  return json::object{};
}

Reply StepFunctionsApi::Impl::UntagResource(const Params& p) {
  auto* keys = p.if_contains("tagKeys");
  if (!keys || !keys->is_array()) {
    return ConstraintViolation("tagKeys", nullptr, "Member must not be null");
  }
  auto r = ChangeTags(*this, p, [&](json::array current) {
    json::array kept;
    for (auto& t : current) {
      bool drop = false;
      for (const auto& k : keys->as_array()) drop |= (t.as_object().at("key") == k);
      if (!drop) kept.push_back(t);
    }
    return kept;
  });
  if (!r.ok()) return r;
  return json::object{};
}

Reply StepFunctionsApi::Impl::ListTagsForResource(const Params& p) {
  return ChangeTags(*this, p, nullptr);
}

}  // namespace tactus::api
