// The IAM REST routes (iam_api.h) over auth::IamStore.
#include "api/iam_api.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <variant>
#include <vector>

#include "api/aws_json.h"
#include "api/sts_api.h"
#include "auth/policy.h"
#include "common/json.h"

namespace tactus::api {

namespace {

namespace json = boost::json;

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path's segments after /v1/iam, percent-decoded; nullopt when an escape is malformed.
std::optional<std::vector<std::string>> Segments(std::string_view path) {
  path.remove_prefix(kIamPrefix.size());
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() != '/') return std::nullopt;
    path.remove_prefix(1);
    std::size_t end = path.find('/');
    std::string_view raw = path.substr(0, end);
    std::string segment;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '%') {
        segment += raw[i];
        continue;
      }
      if (i + 2 >= raw.size()) return std::nullopt;
      int hi = HexValue(raw[i + 1]), lo = HexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      segment += static_cast<char>(hi << 4 | lo);
      i += 2;
    }
    out.push_back(std::move(segment));
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  }
  return out;
}

HttpResponse Error(int status, std::string_view code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back(std::string(kErrorTypeHeader), std::string(code));
  r.headers.emplace_back(std::string(kRequestIdHeader), NewRequestId());
  r.body = common::SerializeJson(json::object{{"__type", code}, {"Message", message}});
  return r;
}

HttpResponse FromStatus(const common::Status& st) {
  switch (st.code()) {
    case common::StatusCode::kInvalidArgument:
      return Error(400, "ValidationException", st.message());
    case common::StatusCode::kNotFound:
      return Error(404, "NoSuchEntity", st.message());
    case common::StatusCode::kAlreadyExists:
      return Error(409, "EntityAlreadyExists", st.message());
    case common::StatusCode::kFailedPrecondition:
      return Error(409, "DeleteConflict", st.message());
    case common::StatusCode::kResourceExhausted:
      return Error(409, "LimitExceeded", st.message());
    default:
      return Error(500, "ServiceFailure", st.message());
  }
}

HttpResponse Ok(json::object body) {
  HttpResponse r;
  r.headers.emplace_back(std::string(kRequestIdHeader), NewRequestId());
  r.body = common::SerializeJson(body);
  return r;
}

double Seconds(common::TimeMs ms) { return static_cast<double>(ms) / 1000.0; }

// One page of a list answer, as IAM pages: query parameters MaxItems (1-kMaxIamPageItems,
// default kDefaultIamPageItems) and Marker (from the previous answer); the answer has `list_key`,
// IsTruncated, and Marker when truncated. Items are in `name_key` order; the marker is the last
// name answered.
HttpResponse Page(const HttpRequest& request, json::array items, const char* list_key,
                  const char* name_key) {
  auto params = QueryParams(request);
  if (!params) return Error(400, "ValidationException", "a query parameter is not percent-encoded");
  std::int64_t max_items = kDefaultIamPageItems;
  if (auto it = params->find("MaxItems"); it != params->end()) {
    auto [end, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), max_items);
    if (ec != std::errc() || end != it->second.data() + it->second.size() || max_items < 1 ||
        max_items > kMaxIamPageItems) {
      return Error(400, "ValidationException",
                   "MaxItems: must be an integer from 1 to " + std::to_string(kMaxIamPageItems));
    }
  }
  std::string marker;
  if (auto it = params->find("Marker"); it != params->end()) marker = it->second;
  auto name = [&](const json::value& v) -> std::string {
    const json::value* n = v.is_object() ? v.as_object().if_contains(name_key) : nullptr;
    return n && n->is_string() ? std::string(n->as_string()) : "";
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const json::value& x, const json::value& y) { return name(x) < name(y); });
  json::array page;
  bool truncated = false;
  for (auto& item : items) {
    if (!marker.empty() && name(item) <= marker) continue;
    if (static_cast<std::int64_t>(page.size()) == max_items) {
      truncated = true;
      break;
    }
    page.push_back(std::move(item));
  }
  json::object body{{list_key, std::move(page)}, {"IsTruncated", truncated}};
  if (truncated) body["Marker"] = name(body[list_key].as_array().back());
  return Ok(std::move(body));
}

json::array Names(const std::vector<auth::InlinePolicy>& policies) {
  json::array out;
  for (const auto& p : policies) out.push_back(json::value(p.name));
  return out;
}

json::value PolicyJson(const std::string& text) {
  auto parsed = common::ParseJson(text);
  return parsed.ok() ? std::move(*parsed) : json::value(text);
}

json::object UserJson(const auth::IamUser& u) {
  json::array groups;
  for (const auto& g : u.groups) groups.push_back(json::value(g));
  return json::object{{"UserName", u.name},
                      {"UserId", u.user_id},
                      {"Arn", u.arn},
                      {"CreateDate", Seconds(u.created)},
                      {"Groups", std::move(groups)},
                      {"Policies", Names(u.policies)}};
}

json::object GroupJson(const auth::IamGroup& g) {
  return json::object{{"GroupName", g.name},
                      {"Arn", g.arn},
                      {"CreateDate", Seconds(g.created)},
                      {"Policies", Names(g.policies)}};
}

json::object RoleJson(const auth::IamRole& r) {
  return json::object{{"RoleName", r.name},
                      {"RoleId", r.role_id},
                      {"Arn", r.arn},
                      {"AssumeRolePolicyDocument", PolicyJson(r.trust_policy)},
                      {"MaxSessionDuration", r.max_session_seconds},
                      {"Description", r.description},
                      {"CreateDate", Seconds(r.created)},
                      {"Policies", Names(r.policies)}};
}

// The policy document of a PUT: the body itself, checked with ParsePolicy.
std::variant<std::string, HttpResponse> PolicyBody(const std::string& body, auth::PolicyKind kind) {
  auto parsed = auth::ParsePolicy(body, kind);
  if (!parsed.ok()) return Error(400, "MalformedPolicyDocument", parsed.status().message());
  return body;
}

}  // namespace

std::optional<IamRoute> IamRouteOf(const HttpRequest& request, std::string_view account) {
  std::string_view path = PathOf(request.target);
  if (!(path == kIamPrefix || (path.starts_with(kIamPrefix) && path[kIamPrefix.size()] == '/'))) {
    return std::nullopt;
  }
  auto segments = Segments(path);
  if (!segments || segments->empty()) return std::nullopt;
  const auto& s = *segments;
  for (const auto& one : s) {
    if (one.empty()) return std::nullopt;
  }
  const std::string& m = request.method;
  const std::string arn_base = "arn:aws:iam::" + std::string(account) + ":";
  IamRoute r;
  auto pick = [&](std::initializer_list<std::pair<const char*, const char*>> verbs) {
    for (const auto& [method, action] : verbs) {
      if (m == method) {
        r.action = action;
        return true;
      }
    }
    return false;
  };
  const std::string& kind = s[0];
  if (kind != "users" && kind != "groups" && kind != "roles") return std::nullopt;
  const std::string noun = kind == "users" ? "User" : kind == "groups" ? "Group" : "Role";
  if (s.size() == 1) {
    if (m != "GET") return std::nullopt;
    r.action = "List" + noun + "s";
    r.resource = "*";
    return r;
  }
  const std::string& name = s[1];
  (kind == "users" ? r.user : kind == "groups" ? r.group : r.role) = name;
  r.resource = arn_base +
               (kind == "users"    ? "user/"
                : kind == "groups" ? "group/"
                                   : "role/") +
               name;
  if (s.size() == 2) {
    if (!pick({{"POST", "Create"}, {"GET", "Get"}, {"DELETE", "Delete"}})) return std::nullopt;
    r.action += noun;
    return r;
  }
  if (s[2] == "policies") {
    if (s.size() == 3) {
      if (m != "GET") return std::nullopt;
      r.action = "List" + noun + "Policies";
      return r;
    }
    if (s.size() != 4) return std::nullopt;
    r.policy = s[3];
    if (!pick({{"PUT", "Put"}, {"GET", "Get"}, {"DELETE", "Delete"}})) return std::nullopt;
    r.action += noun + "Policy";
    return r;
  }
  if (kind == "users" && s[2] == "access-keys") {
    if (s.size() == 3) {
      if (!pick({{"POST", "CreateAccessKey"}, {"GET", "ListAccessKeys"}})) return std::nullopt;
      return r;
    }
    if (s.size() != 4) return std::nullopt;
    r.access_key = s[3];
    if (!pick({{"DELETE", "DeleteAccessKey"}, {"PUT", "UpdateAccessKey"}})) return std::nullopt;
    return r;
  }
  if (kind == "groups" && s[2] == "users" && s.size() == 4) {
    r.user = s[3];
    if (!pick({{"PUT", "AddUserToGroup"}, {"DELETE", "RemoveUserFromGroup"}})) return std::nullopt;
    return r;
  }
  return std::nullopt;
}

IamApi::IamApi(auth::IamStore& store, std::string account)
    : store_(store), account_(std::move(account)) {}

bool IamApi::Owns(const HttpRequest& request) {
  std::string_view path = PathOf(request.target);
  return path == kIamPrefix || (path.starts_with(kIamPrefix) && path.size() > kIamPrefix.size() &&
                                path[kIamPrefix.size()] == '/');
}

void IamApi::Handle(const HttpRequest& request, const Responder& respond) {
  auto route = IamRouteOf(request, account_);
  if (!route) {
    return respond(
        Error(404, "UnknownOperationException",
              "no IAM action is " + request.method + " " + std::string(PathOf(request.target))));
  }
  using auth::PolicyHolder;
  const IamRoute& r = *route;
  const std::string& a = r.action;
  auto status = [&](const common::Status& st) {
    respond(st.ok() ? Ok(json::object()) : FromStatus(st));
  };
  // Users.
  if (a == "ListUsers") {
    auto users = store_.ListUsers();
    if (!users.ok()) return respond(FromStatus(users.status()));
    json::array items;
    for (const auto& u : *users) items.push_back(UserJson(u));
    return respond(Page(request, std::move(items), "Users", "UserName"));
  }
  if (a == "CreateUser" || a == "GetUser") {
    auto u = a == "CreateUser" ? store_.CreateUser(r.user) : store_.GetUser(r.user);
    if (!u.ok()) return respond(FromStatus(u.status()));
    return respond(Ok(json::object{{"User", UserJson(*u)}}));
  }
  if (a == "DeleteUser") return status(store_.DeleteUser(r.user));
  // Access keys.
  if (a == "CreateAccessKey") {
    auto key = store_.CreateAccessKey(r.user);
    if (!key.ok()) return respond(FromStatus(key.status()));
    return respond(Ok(json::object{{"AccessKey", json::object{{"UserName", key->user},
                                                              {"AccessKeyId", key->id},
                                                              {"SecretAccessKey", key->secret},
                                                              {"Status", "Active"}}}}));
  }
  if (a == "ListAccessKeys") {
    if (auto u = store_.GetUser(r.user); !u.ok()) return respond(FromStatus(u.status()));
    auto keys = store_.ListAccessKeys(r.user);
    if (!keys.ok()) return respond(FromStatus(keys.status()));
    json::array items;
    for (const auto& k : *keys) {
      items.push_back(json::object{{"UserName", k.user},
                                   {"AccessKeyId", k.id},
                                   {"Status", k.status},
                                   {"CreateDate", Seconds(k.created)}});
    }
    return respond(Page(request, std::move(items), "AccessKeyMetadata", "AccessKeyId"));
  }
  if (a == "DeleteAccessKey") return status(store_.DeleteAccessKey(r.user, r.access_key));
  if (a == "UpdateAccessKey") {
    auto body = common::ParseJson(request.body);
    const json::value* s =
        body.ok() && body->is_object() ? body->as_object().if_contains("Status") : nullptr;
    if (!s || !s->is_string() || (s->as_string() != "Active" && s->as_string() != "Inactive")) {
      return respond(Error(400, "ValidationException",
                           "the body must be {\"Status\": \"Active\" | \"Inactive\"}"));
    }
    return status(store_.SetAccessKeyStatus(r.user, r.access_key, s->as_string() == "Active"));
  }
  // Groups.
  if (a == "ListGroups") {
    auto groups = store_.ListGroups();
    if (!groups.ok()) return respond(FromStatus(groups.status()));
    json::array items;
    for (const auto& g : *groups) items.push_back(GroupJson(g));
    return respond(Page(request, std::move(items), "Groups", "GroupName"));
  }
  if (a == "CreateGroup" || a == "GetGroup") {
    auto g = a == "CreateGroup" ? store_.CreateGroup(r.group) : store_.GetGroup(r.group);
    if (!g.ok()) return respond(FromStatus(g.status()));
    json::array users;
    if (a == "GetGroup") {
      auto members = store_.GroupMembers(r.group);
      if (!members.ok()) return respond(FromStatus(members.status()));
      for (const auto& m : *members) users.push_back(json::value(m));
    }
    return respond(Ok(json::object{{"Group", GroupJson(*g)}, {"Users", std::move(users)}}));
  }
  if (a == "DeleteGroup") return status(store_.DeleteGroup(r.group));
  if (a == "AddUserToGroup") return status(store_.AddUserToGroup(r.group, r.user));
  if (a == "RemoveUserFromGroup") return status(store_.RemoveUserFromGroup(r.group, r.user));
  // Roles.
  if (a == "ListRoles") {
    auto roles = store_.ListRoles();
    if (!roles.ok()) return respond(FromStatus(roles.status()));
    json::array items;
    for (const auto& role : *roles) items.push_back(RoleJson(role));
    return respond(Page(request, std::move(items), "Roles", "RoleName"));
  }
  if (a == "CreateRole") {
    auto body = common::ParseJson(request.body.empty() ? "{}" : request.body);
    if (!body.ok() || !body->is_object()) {
      return respond(Error(400, "ValidationException", "the body must be a JSON object"));
    }
    const json::object& o = body->as_object();
    const json::value* trust = o.if_contains("AssumeRolePolicyDocument");
    if (!trust || !(trust->is_string() || trust->is_object())) {
      return respond(Error(400, "ValidationException",
                           "AssumeRolePolicyDocument: required, a policy document"));
    }
    std::string trust_text =
        trust->is_string() ? std::string(trust->as_string()) : common::SerializeJson(*trust);
    auto checked = PolicyBody(trust_text, auth::PolicyKind::kTrust);
    if (auto* e = std::get_if<HttpResponse>(&checked)) return respond(std::move(*e));
    std::int64_t max_session = 0;
    if (const json::value* m = o.if_contains("MaxSessionDuration")) {
      if (!m->is_int64()) {
        return respond(Error(400, "ValidationException", "MaxSessionDuration: an integer"));
      }
      max_session = m->as_int64();
    }
    std::string description;
    if (const json::value* d = o.if_contains("Description"); d && d->is_string()) {
      description = std::string(d->as_string());
    }
    auto role = store_.CreateRole(r.role, trust_text, max_session, description);
    if (!role.ok()) return respond(FromStatus(role.status()));
    return respond(Ok(json::object{{"Role", RoleJson(*role)}}));
  }
  if (a == "GetRole") {
    auto role = store_.GetRole(r.role);
    if (!role.ok()) return respond(FromStatus(role.status()));
    return respond(Ok(json::object{{"Role", RoleJson(*role)}}));
  }
  if (a == "DeleteRole") return status(store_.DeleteRole(r.role));
  // Inline policies.
  PolicyHolder holder = !r.role.empty()    ? PolicyHolder::kRole
                        : !r.group.empty() ? PolicyHolder::kGroup
                                           : PolicyHolder::kUser;
  const std::string& holder_name = holder == PolicyHolder::kRole    ? r.role
                                   : holder == PolicyHolder::kGroup ? r.group
                                                                    : r.user;
  const char* holder_key = holder == PolicyHolder::kRole    ? "RoleName"
                           : holder == PolicyHolder::kGroup ? "GroupName"
                                                            : "UserName";
  if (a.starts_with("Put") && a.ends_with("Policy")) {
    auto checked = PolicyBody(request.body, auth::PolicyKind::kIdentity);
    if (auto* e = std::get_if<HttpResponse>(&checked)) return respond(std::move(*e));
    return status(store_.PutPolicy(holder, holder_name, r.policy, request.body));
  }
  if (a.starts_with("Get") && a.ends_with("Policy")) {
    auto doc = store_.GetPolicy(holder, holder_name, r.policy);
    if (!doc.ok()) return respond(FromStatus(doc.status()));
    return respond(Ok(json::object{{holder_key, holder_name},
                                   {"PolicyName", r.policy},
                                   {"PolicyDocument", PolicyJson(*doc)}}));
  }
  if (a.starts_with("Delete") && a.ends_with("Policy")) {
    return status(store_.DeletePolicy(holder, holder_name, r.policy));
  }
  if (a.starts_with("List") && a.ends_with("Policies")) {
    std::vector<auth::InlinePolicy> policies;
    if (holder == PolicyHolder::kUser) {
      auto u = store_.GetUser(r.user);
      if (!u.ok()) return respond(FromStatus(u.status()));
      policies = u->policies;
    } else if (holder == PolicyHolder::kGroup) {
      auto g = store_.GetGroup(r.group);
      if (!g.ok()) return respond(FromStatus(g.status()));
      policies = g->policies;
    } else {
      auto role = store_.GetRole(r.role);
      if (!role.ok()) return respond(FromStatus(role.status()));
      policies = role->policies;
    }
    return respond(Ok(json::object{{"PolicyNames", Names(policies)}}));
  }
  respond(Error(404, "UnknownOperationException", "no IAM action " + a));
}

}  // namespace tactus::api
