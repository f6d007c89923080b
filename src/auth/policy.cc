#include "auth/policy.h"

#include <set>
#include <utility>

namespace tactus::auth {

using common::Result;
using common::Status;
namespace json = common::json;

namespace {

constexpr std::string_view kVersion2012 = "2012-10-17";
constexpr std::string_view kVersion2008 = "2008-10-17";

Status Error(const std::string& path, std::string_view message) {
  return Status::InvalidArgument(path + ": " + std::string(message));
}

std::string Kind(const json::value& v) { return std::string(common::JsonKindName(v)); }

// A string or a non-empty array of strings (Action, Resource, Principal values), each non-empty.
Result<std::vector<std::string>> StringList(const std::string& path, const json::value& v) {
  std::vector<std::string> out;
  auto add = [&](const std::string& item_path, const json::value& item) -> Status {
    if (!item.is_string()) {
      return Error(item_path, "must be a string, not " + Kind(item));
    }
    if (item.get_string().empty()) return Error(item_path, "must not be empty");
    out.emplace_back(item.get_string());
    return Status::Ok();
  };
  if (v.is_array()) {
    const json::array& array = v.get_array();
    if (array.empty()) return Error(path, "list at least one value");
    for (std::size_t i = 0; i < array.size(); ++i) {
      Status s = add(path + "[" + std::to_string(i) + "]", array[i]);
      if (!s.ok()) return s;
    }
  } else {
    Status s = add(path, v);
    if (!s.ok()) return s;
  }
  return out;
}

std::string ItemPath(const std::string& path, const json::value& v, std::size_t i) {
  return v.is_array() ? path + "[" + std::to_string(i) + "]" : path;
}

bool IsServicePrefix(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<std::vector<Pattern>> ParseActions(const std::string& path, const json::value& v) {
  auto list = StringList(path, v);
  if (!list.ok()) return list.status();
  std::vector<Pattern> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string& action = (*list)[i];
    const std::size_t colon = action.find(':');
    if (action != "*" && (colon == std::string::npos || colon + 1 == action.size() ||
                          !IsServicePrefix(std::string_view(action).substr(0, colon)))) {
      return Error(ItemPath(path, v, i),
                   "'" + action +
                       "' is not an action; write service:Action, e.g. states:StartExecution, "
                       "states:*, or *");
    }
    // No variables in actions (AWS substitutes them only in resources and conditions).
    auto pattern = Pattern::Parse(action, false);
    if (!pattern.ok()) return Error(ItemPath(path, v, i), pattern.status().message());
    out.push_back(std::move(pattern).value());
  }
  return out;
}

Result<std::vector<Pattern>> ParseResources(const std::string& path, const json::value& v,
                                            bool variables) {
  auto list = StringList(path, v);
  if (!list.ok()) return list.status();
  std::vector<Pattern> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string& resource = (*list)[i];
    if (resource != "*" && !resource.starts_with("arn:")) {
      return Error(ItemPath(path, v, i), "'" + resource +
                                             "' is not an ARN; write arn:partition:service:region:"
                                             "account:resource, or *");
    }
    auto pattern = Pattern::Parse(resource, variables);
    if (!pattern.ok()) return Error(ItemPath(path, v, i), pattern.status().message());
    out.push_back(std::move(pattern).value());
  }
  return out;
}

Result<PrincipalSet> ParsePrincipals(const std::string& path, const json::value& v) {
  PrincipalSet set;
  if (v.is_string()) {
    if (v.get_string() != "*") {
      return Error(path, "must be \"*\" or an object such as {\"AWS\": \"<ARN or account ID>\"}");
    }
    set.everyone = true;
    return set;
  }
  if (!v.is_object()) return Error(path, "must be \"*\" or an object, not " + Kind(v));
  if (v.get_object().empty()) return Error(path, "name at least one principal");
  for (const auto& [name, value] : v.get_object()) {
    const std::string item_path = path + "." + std::string(name);
    std::vector<std::string>* target = nullptr;
    if (name == "AWS") {
      target = &set.aws;
    } else if (name == "Federated") {
      target = &set.federated;
    } else if (name == "Service") {
      target = &set.service;
    } else {
      return Error(item_path, "unknown principal type (expected AWS, Federated or Service)");
    }
    auto list = StringList(item_path, value);
    if (!list.ok()) return list.status();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& id = (*list)[i];
      if (id == "*") {
        // AWS treats {"AWS": "*"} as "*"; for the other types "*" means any of that type.
        if (name == "AWS") set.everyone = true;
        target->push_back(id);
        continue;
      }
      if (id.find_first_of("*?") != std::string::npos) {
        return Error(ItemPath(item_path, value, i),
                     "'" + id + "': a principal takes no wildcards other than \"*\" alone");
      }
      target->push_back(id);
    }
  }
  return set;
}

Status ParseConditions(const std::string& path, const json::value& v, bool variables,
                       std::vector<Condition>* out) {
  if (!v.is_object()) return Error(path, "must be an object, not " + Kind(v));
  for (const auto& [op, keys] : v.get_object()) {
    if (!keys.is_object()) {
      return Error(path + "." + std::string(op),
                   "must be an object of condition keys to values, not " + Kind(keys));
    }
    if (keys.get_object().empty()) {
      return Error(path + "." + std::string(op), "name at least one condition key");
    }
    for (const auto& [key, values] : keys.get_object()) {
      auto condition = ParseCondition(path, op, key, values, variables);
      if (!condition.ok()) return condition.status();
      out->push_back(std::move(condition).value());
    }
  }
  return Status::Ok();
}

bool IsAlphanumeric(std::string_view s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

Result<Statement> ParseStatement(const std::string& path, const json::value& v,
                                 PolicyVersion version, PolicyKind kind) {
  if (!v.is_object()) return Error(path, "a statement must be an object, not " + Kind(v));
  const json::object& o = v.get_object();
  const bool variables = version == PolicyVersion::k2012_10_17;
  Statement st;
  for (const auto& [name, value] : o) {
    static constexpr std::string_view kKnown[] = {"Sid",       "Effect",       "Action",
                                                  "NotAction", "Resource",     "NotResource",
                                                  "Principal", "NotPrincipal", "Condition"};
    bool known = false;
    for (std::string_view k : kKnown) known = known || k == name;
    if (!known) {
      return Error(path + "." + std::string(name),
                   "unknown statement element (expected Sid, Effect, Action, NotAction, "
                   "Resource, NotResource, Principal, NotPrincipal or Condition)");
    }
  }
  if (const json::value* sid = o.if_contains("Sid")) {
    if (!sid->is_string()) return Error(path + ".Sid", "must be a string, not " + Kind(*sid));
    if (!IsAlphanumeric(sid->get_string())) {
      return Error(path + ".Sid", "may contain only letters A-Z, a-z and digits 0-9");
    }
    st.sid = std::string(sid->get_string());
  }
  const json::value* effect = o.if_contains("Effect");
  if (effect == nullptr) return Error(path, "Effect is missing; write \"Allow\" or \"Deny\"");
  if (effect->is_string() && effect->get_string() == "Allow") {
    st.effect = Effect::kAllow;
  } else if (effect->is_string() && effect->get_string() == "Deny") {
    st.effect = Effect::kDeny;
  } else {
    return Error(path + ".Effect", "must be \"Allow\" or \"Deny\"");
  }

  const json::value* action = o.if_contains("Action");
  const json::value* not_action = o.if_contains("NotAction");
  if (action != nullptr && not_action != nullptr) {
    return Error(path, "has both Action and NotAction; use one");
  }
  if (action == nullptr && not_action == nullptr) {
    return Error(path, "names no action; add Action (or NotAction)");
  }
  st.not_action = not_action != nullptr;
  auto actions = ParseActions(path + (st.not_action ? ".NotAction" : ".Action"),
                              st.not_action ? *not_action : *action);
  if (!actions.ok()) return actions.status();
  st.actions = std::move(actions).value();

  const json::value* resource = o.if_contains("Resource");
  const json::value* not_resource = o.if_contains("NotResource");
  if (resource != nullptr && not_resource != nullptr) {
    return Error(path, "has both Resource and NotResource; use one");
  }
  if (kind == PolicyKind::kTrust) {
    if (resource != nullptr || not_resource != nullptr) {
      return Error(path + (resource != nullptr ? ".Resource" : ".NotResource"),
                   "a trust policy names no resource (the role is the resource)");
    }
  } else {
    if (resource == nullptr && not_resource == nullptr) {
      return Error(path, "names no resource; add Resource (or NotResource)");
    }
    st.not_resource = not_resource != nullptr;
    auto resources = ParseResources(path + (*st.not_resource ? ".NotResource" : ".Resource"),
                                    *st.not_resource ? *not_resource : *resource, variables);
    if (!resources.ok()) return resources.status();
    st.resources = std::move(resources).value();
  }

  const json::value* principal = o.if_contains("Principal");
  const json::value* not_principal = o.if_contains("NotPrincipal");
  if (principal != nullptr && not_principal != nullptr) {
    return Error(path, "has both Principal and NotPrincipal; use one");
  }
  if (kind == PolicyKind::kIdentity) {
    if (principal != nullptr || not_principal != nullptr) {
      return Error(path + (principal != nullptr ? ".Principal" : ".NotPrincipal"),
                   "an identity policy names no principal (it applies to the identity it is "
                   "attached to)");
    }
  } else {
    if (principal == nullptr && not_principal == nullptr) {
      return Error(path, "names no principal; add Principal (or NotPrincipal)");
    }
    st.not_principal = not_principal != nullptr;
    auto principals = ParsePrincipals(path + (*st.not_principal ? ".NotPrincipal" : ".Principal"),
                                      *st.not_principal ? *not_principal : *principal);
    if (!principals.ok()) return principals.status();
    st.principals = std::move(principals).value();
  }

  if (const json::value* condition = o.if_contains("Condition")) {
    Status s = ParseConditions(path + ".Condition", *condition, variables, &st.conditions);
    if (!s.ok()) return s;
  }
  return st;
}

Result<Policy> ParseDocument(const json::value& document, PolicyKind kind) {
  if (!document.is_object()) {
    return Status::InvalidArgument("Policy: a policy document must be a JSON object, not " +
                                   Kind(document));
  }
  const json::object& o = document.get_object();
  for (const auto& [name, value] : o) {
    if (name != "Version" && name != "Id" && name != "Statement") {
      return Error(std::string(name), "unknown policy element (expected Version, Id or Statement)");
    }
  }
  Policy policy;
  if (const json::value* version = o.if_contains("Version")) {
    if (version->is_string() && version->get_string() == kVersion2012) {
      policy.version = PolicyVersion::k2012_10_17;
    } else if (version->is_string() && version->get_string() == kVersion2008) {
      policy.version = PolicyVersion::k2008_10_17;
    } else {
      return Error("Version", "must be \"2012-10-17\" (or the older \"2008-10-17\")");
    }
  }
  if (const json::value* id = o.if_contains("Id")) {
    if (!id->is_string()) return Error("Id", "must be a string, not " + Kind(*id));
    policy.id = std::string(id->get_string());
  }
  const json::value* statement = o.if_contains("Statement");
  if (statement == nullptr) return Status::InvalidArgument("Policy: Statement is missing");
  std::set<std::string> sids;
  auto add = [&](const std::string& path, const json::value& v, std::size_t index) -> Status {
    auto st = ParseStatement(path, v, policy.version, kind);
    if (!st.ok()) return st.status();
    st->index = index;
    if (!st->sid.empty() && !sids.insert(st->sid).second) {
      return Error(path + ".Sid", "'" + st->sid +
                                      "' is used by an earlier statement; Sids "
                                      "must be unique within a policy");
    }
    policy.statements.push_back(std::move(st).value());
    return Status::Ok();
  };
  if (statement->is_array()) {
    const json::array& array = statement->get_array();
    if (array.empty()) return Error("Statement", "list at least one statement");
    if (array.size() > kMaxStatements) {
      return Error("Statement", std::to_string(array.size()) +
                                    " statements, more than the limit of " +
                                    std::to_string(kMaxStatements));
    }
    for (std::size_t i = 0; i < array.size(); ++i) {
      Status s = add("Statement[" + std::to_string(i) + "]", array[i], i);
      if (!s.ok()) return s;
    }
  } else {
    Status s = add("Statement", *statement, 0);
    if (!s.ok()) return s;
  }
  return policy;
}

Status CheckSize(std::string_view text) {
  const std::size_t chars = PolicySizeChars(text);
  if (chars > kMaxPolicyChars) {
    return Status::InvalidArgument("Policy: " + std::to_string(chars) +
                                   " characters (whitespace not counted), more than the limit "
                                   "of " +
                                   std::to_string(kMaxPolicyChars));
  }
  return Status::Ok();
}

}  // namespace

std::size_t PolicySizeChars(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
    ++n;
  }
  return n;
}

Result<Policy> ParsePolicy(std::string_view text, PolicyKind kind) {
  Status size = CheckSize(text);
  if (!size.ok()) return size;
  auto document = common::ParseJson(text);
  if (!document.ok()) {
    return Status::InvalidArgument("Policy: not valid JSON: " + document.status().message());
  }
  return ParseDocument(document.value(), kind);
}

Result<Policy> ParsePolicy(const json::value& document, PolicyKind kind) {
  Status size = CheckSize(common::SerializeJson(document));
  if (!size.ok()) return size;
  return ParseDocument(document, kind);
}

}  // namespace tactus::auth
