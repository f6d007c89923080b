// Routing and request parsing of the control API (control_api.h). The definitions themselves,
// their validation and storage are triggers::Registry's.
#include "api/control_api.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/aws_json.h"
#include "common/json.h"
#include "triggers/scheduler.h"

namespace tactus::api {

namespace {

namespace json = boost::json;
using triggers::Kind;

// EventBridge Scheduler's MaxResults is 1-100; Tactus's own lists allow pages as large as the
// Step Functions lists do.
constexpr std::int64_t kMaxSchedulePage = 100;
constexpr std::int64_t kMaxPage = 1000;
constexpr std::int64_t kDefaultPage = 100;

constexpr std::string_view kValidation = "ValidationException";
constexpr std::string_view kNotFound = "ResourceNotFoundException";
constexpr std::string_view kConflict = "ConflictException";
constexpr std::string_view kInternal = "InternalServerException";

struct KindRoute {
  Kind kind;
  std::string_view prefix;    // the collection's path
  std::string_view list_key;  // the array of a list answer
  std::string_view arn_key;   // the member of a create or update answer
};

constexpr KindRoute kRoutes[] = {
    {Kind::kSchedule, "/schedules", "Schedules", "ScheduleArn"},
    {Kind::kTrigger, "/v1/triggers", "Triggers", "TriggerArn"},
    {Kind::kConnection, "/v1/connections", "Connections", "ConnectionArn"},
    {Kind::kFunction, "/v1/functions", "Functions", "FunctionArn"},
};

// Members of GET answers that are not part of a spec (triggers/registry.h DefinitionToJson):
// dropped from PUT bodies, so that what GET returns can be sent back changed.
constexpr std::string_view kReadOnlyMembers[] = {
    "Arn",          "CreationDate",      "LastModificationDate",
    "NextFireTime", "LastFireTime",      "LastExecutionArn",
    "LastError",    "ExecutionsStarted", "Secret"};

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

const KindRoute* RouteFor(std::string_view path) {
  for (const KindRoute& route : kRoutes) {
    if (path == route.prefix ||
        (path.starts_with(route.prefix) && path.size() > route.prefix.size() &&
         path[route.prefix.size()] == '/')) {
      return &route;
    }
  }
  return nullptr;
}

HttpResponse Error(int status, std::string_view code, std::string message) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back(std::string(kErrorTypeHeader), std::string(code));
  r.headers.emplace_back(std::string(kRequestIdHeader), NewRequestId());
  r.body = common::SerializeJson(json::object{{"__type", code}, {"Message", std::move(message)}});
  return r;
}

HttpResponse FromStatus(const common::Status& st) {
  switch (st.code()) {
    case common::StatusCode::kInvalidArgument:
    case common::StatusCode::kFailedPrecondition:
      return Error(400, kValidation, st.message());
    case common::StatusCode::kNotFound:
      return Error(404, kNotFound, st.message());
    case common::StatusCode::kAlreadyExists:
      return Error(409, kConflict, st.message());
    default:
      return Error(500, kInternal, st.message());
  }
}

HttpResponse Ok(const json::value& body) {
  HttpResponse r;
  r.headers.emplace_back(std::string(kRequestIdHeader), NewRequestId());
  r.body = common::SerializeJson(body);
  return r;
}

// The request's body as a JSON object ("" counts as {}), or the 400 that names the problem.
std::variant<json::object, HttpResponse> BodyObject(const HttpRequest& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto parsed = common::ParseJson(request.body);
  if (!parsed.ok()) {
    return Error(400, kValidation, "the request body is not JSON: " + parsed.status().message());
  }
  if (!parsed->is_object()) {
    return Error(400, kValidation,
                 "the request body must be a JSON object, not " +
                     std::string(common::JsonKindName(*parsed)));
  }
  return std::move(parsed->as_object());
}

// A list's query parameters, checked.
struct ListQuery {
  std::string prefix, after, state;
  std::int64_t limit = kDefaultPage;
  bool empty_group = false;  // a schedule group other than "default": nothing to list
};

// Checks a name-shaped query parameter; "" is allowed (the parameter is absent).
common::Status CheckNameParam(std::string_view param, std::string_view value) {
  if (value.empty()) return common::Status::Ok();
  if (auto st = triggers::ValidateDefinitionName(value); !st.ok()) {
    return common::Status::InvalidArgument(std::string(param) +
                                           ": may contain only letters, digits, '-', '_' and "
                                           "'.', at most " +
                                           std::to_string(triggers::kMaxDefinitionNameLength));
  }
  return common::Status::Ok();
}

}  // namespace

ControlApi::ControlApi(triggers::Registry& registry, const common::Clock& clock,
                       common::ArnContext arns)
    : registry_(registry), clock_(clock), arns_(std::move(arns)) {}

bool ControlApi::Owns(const HttpRequest& request) {
  return RouteFor(PathOf(request.target)) != nullptr;
}

namespace {

class Call {
 public:
  Call(triggers::Registry& registry, const common::Clock& clock, const common::ArnContext& arns,
       const KindRoute& route)
      : registry_(registry), clock_(clock), arns_(arns), route_(route) {}

  std::string Arn(const std::string& name) const {
    const std::string where = arns_.region + ":" + arns_.account + ":";
    switch (route_.kind) {
      case Kind::kSchedule: {
        triggers::SchedulerOptions options;
        options.region = arns_.region;
        options.account = arns_.account;
        return triggers::ScheduleArn(options, name);
      }
      case Kind::kTrigger:
        return "arn:tactus:triggers:" + where + "trigger/" + name;
      case Kind::kConnection:
        return "arn:tactus:connections:" + where + "connection/" + name;
      case Kind::kFunction:
        return "arn:" + arns_.partition + ":lambda:" + where + "function:" + name;
    }
    return "";
  }

  HttpResponse Get(const std::string& name) {
    auto d = registry_.Get(route_.kind, name);
    if (!d.ok()) return FromStatus(d.status());
    if (!*d) return NotFound(name);
    return Ok(triggers::DefinitionToJson(route_.kind, **d, Arn(name)));
  }

  HttpResponse Delete(const std::string& name) {
    if (auto st = registry_.Delete(route_.kind, name); !st.ok()) return FromStatus(st);
    return Ok(json::object());
  }

  HttpResponse Put(const HttpRequest& request, const std::string& name, bool create) {
    auto body = BodyObject(request);
    if (auto* error = std::get_if<HttpResponse>(&body)) return std::move(*error);
    json::object spec = std::move(std::get<json::object>(body));
    if (auto* n = spec.if_contains("Name")) {
      if (!n->is_string() || n->as_string() != name) {
        return Error(400, kValidation,
                     "Name: the body names another " + std::string(triggers::NameOf(route_.kind)) +
                         " than the path");
      }
      spec.erase("Name");
    }
    for (std::string_view member : kReadOnlyMembers) spec.erase(member);
    if (auto st = CheckTargetContext(spec); !st.ok()) return FromStatus(st);
    common::TimeMs now = clock_.Now();
    if (create) {
      if (auto st = registry_.Create(route_.kind, name, spec, now); !st.ok()) {
        return FromStatus(st);
      }
    } else {
      if (auto st = KeepStoredPassword(name, spec); !st.ok()) return FromStatus(st);
      if (auto st = registry_.Update(route_.kind, name, spec, now); !st.ok()) {
        return FromStatus(st);
      }
    }
    return Ok(json::object{{route_.arn_key, Arn(name)}});
  }

  // A connection's new URI version (Registry::RotateConnection).
  HttpResponse Rotate(const HttpRequest& request, const std::string& name) {
    auto body = BodyObject(request);
    if (auto* error = std::get_if<HttpResponse>(&body)) return std::move(*error);
    json::object spec = std::move(std::get<json::object>(body));
    spec.erase("Name");
    for (std::string_view member : kReadOnlyMembers) spec.erase(member);
    if (auto st = registry_.RotateConnection(name, spec, clock_.Now()); !st.ok()) {
      return FromStatus(st);
    }
    return Ok(json::object{{route_.arn_key, Arn(name)}});
  }

  HttpResponse List(const ListQuery& query) {
    json::array items;
    std::string token;
    if (!query.empty_group) {
      // Fetch one more than asked: whether it exists decides the NextToken. A State filter may
      // drop rows, so read on until the page is full or the names run out.
      std::vector<triggers::Definition> found;
      std::string after = query.after;
      while (static_cast<std::int64_t>(found.size()) <= query.limit) {
        std::int64_t want = query.limit + 1 - static_cast<std::int64_t>(found.size());
        auto page = registry_.List(route_.kind, query.prefix, after, want);
        if (!page.ok()) return FromStatus(page.status());
        for (auto& d : *page) {
          if (!query.state.empty() && State(d) != query.state) continue;
          found.push_back(std::move(d));
        }
        if (static_cast<std::int64_t>(page->size()) < want) break;
        after = page->back().name;
      }
      if (static_cast<std::int64_t>(found.size()) > query.limit) {
        found.resize(static_cast<std::size_t>(query.limit));
        token = found.back().name;
      }
      for (const auto& d : found) items.push_back(Summary(d));
    }
    json::object answer{{route_.list_key, std::move(items)}};
    if (!token.empty()) answer["NextToken"] = token;
    return Ok(answer);
  }

 private:
  HttpResponse NotFound(const std::string& name) const {
    std::string kind = triggers::NameOf(route_.kind);
    if (!kind.empty())
      kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
    return Error(404, kNotFound, kind + " " + name + " does not exist.");
  }

  static std::string State(const triggers::Definition& d) {
    const json::value* v = d.spec.if_contains("State");
    return v && v->is_string() ? std::string(v->as_string()) : std::string("ENABLED");
  }

  // ListSchedules answers ScheduleSummary objects; Tactus's own lists answer what GET does.
  json::object Summary(const triggers::Definition& d) const {
    if (route_.kind != Kind::kSchedule)
      return triggers::DefinitionToJson(route_.kind, d, Arn(d.name));
    json::object target;
    if (const json::value* t = d.spec.if_contains("Target"); t && t->is_object()) {
      if (const json::value* arn = t->as_object().if_contains("Arn")) target["Arn"] = *arn;
    }
    return json::object{{"Arn", Arn(d.name)},
                        {"Name", d.name},
                        {"GroupName", "default"},
                        {"State", State(d)},
                        {"CreationDate", static_cast<double>(d.created) / 1000.0},
                        {"LastModificationDate", static_cast<double>(d.updated) / 1000.0},
                        {"Target", std::move(target)}};
  }

  // A state machine in another region or account could never be started from here.
  common::Status CheckTargetContext(const json::object& spec) const {
    if (route_.kind != Kind::kSchedule && route_.kind != Kind::kTrigger) {
      return common::Status::Ok();
    }
    const json::value* t = spec.if_contains("Target");
    if (!t || !t->is_object()) return common::Status::Ok();  // the registry names the fault
    const json::value* arn = t->as_object().if_contains("Arn");
    if (!arn || !arn->is_string()) return common::Status::Ok();
    auto parsed = common::ParseStatesArn(arn->as_string());
    if (!parsed.ok()) return common::Status::Ok();
    if (auto st = common::CheckArnContext(*parsed, arns_); !st.ok()) {
      return common::Status::InvalidArgument("Target.Arn: " + st.message());
    }
    return common::Status::Ok();
  }

  // A connection's Uri sent back as GET showed it (password "****") keeps the stored password,
  // so a GET-edit-PUT round trip cannot overwrite it with the mask.
  common::Status KeepStoredPassword(const std::string& name, json::object& spec) {
    if (route_.kind == Kind::kFunction) return KeepStoredHeaders(name, spec);
    if (route_.kind != Kind::kConnection) return common::Status::Ok();
    json::value* uri = spec.if_contains("Uri");
    if (!uri || !uri->is_string() || uri->as_string().find(":****@") == json::string::npos) {
      return common::Status::Ok();
    }
    auto stored = registry_.ConnectionUri(name);
    if (!stored.ok()) return stored.status();
    if (*stored && triggers::RedactUri(**stored) == uri->as_string()) *uri = **stored;
    return common::Status::Ok();
  }

  // Likewise a function's header values sent back masked keep their stored values.
  common::Status KeepStoredHeaders(const std::string& name, json::object& spec) {
    json::value* headers = spec.if_contains("Headers");
    if (!headers || !headers->is_object()) return common::Status::Ok();
    auto stored = registry_.FunctionSpec(name);
    if (!stored.ok()) return stored.status();
    const json::value* before = *stored ? (*stored)->if_contains("Headers") : nullptr;
    for (auto& h : headers->as_object()) {
      if (!h.value().is_string() || h.value().as_string() != triggers::kMaskedValue) continue;
      const json::value* old = before && before->is_object()
                                   ? before->as_object().if_contains(h.key())
                                   : nullptr;
      if (!old) {
        return common::Status::InvalidArgument("Headers." + std::string(h.key()) +
                                               ": the masked value has no stored value to keep");
      }
      h.value() = *old;
    }
    return common::Status::Ok();
  }

  triggers::Registry& registry_;
  const common::Clock& clock_;
  const common::ArnContext& arns_;
  const KindRoute& route_;
};

// The list's query parameters, or the 400 naming the one at fault.
std::variant<ListQuery, HttpResponse> ReadListQuery(const boost::urls::url_view& url,
                                                    const KindRoute& route) {
  ListQuery q;
  const std::int64_t max = route.kind == Kind::kSchedule ? kMaxSchedulePage : kMaxPage;
  q.limit = std::min(kDefaultPage, max);
  for (const auto& param : url.params()) {
    const std::string& key = param.key;
    const std::string& value = param.value;
    if (key == "NamePrefix") {
      if (auto st = CheckNameParam("NamePrefix", value); !st.ok()) return FromStatus(st);
      q.prefix = value;
    } else if (key == "NextToken") {
      if (auto st = CheckNameParam("NextToken", value); !st.ok()) {
        return Error(400, kValidation, "NextToken: not a token from a previous answer");
      }
      q.after = value;
    } else if (key == "MaxResults") {
      std::int64_t n = 0;
      bool digits = !value.empty() && value.size() <= 9 &&
                    value.find_first_not_of("0123456789") == std::string::npos;
      if (digits) n = std::stoll(value);
      if (!digits || n < 1 || n > max) {
        return Error(400, kValidation,
                     "MaxResults: must be an integer from 1 to " + std::to_string(max));
      }
      q.limit = n;
    } else if (key == "State" && (route.kind == Kind::kSchedule || route.kind == Kind::kTrigger)) {
      if (value != "ENABLED" && value != "DISABLED") {
        return Error(400, kValidation, "State: must be ENABLED or DISABLED");
      }
      q.state = value;
    } else if (key == "ScheduleGroup" && route.kind == Kind::kSchedule) {
      q.empty_group = value != "default";
    }
  }
  return q;
}

}  // namespace

void ControlApi::Handle(const HttpRequest& request, const Responder& respond) {
  auto url = boost::urls::parse_origin_form(request.target);
  const KindRoute* route = RouteFor(PathOf(request.target));
  if (!url || !route) {
    return respond(Error(404, "UnknownOperationException",
                         "no such resource: " + std::string(PathOf(request.target))));
  }
  // Segments after the collection's own ("/v1/triggers" has two).
  std::size_t skip = route->prefix.starts_with("/v1/") ? 2 : 1;
  std::vector<std::string> rest;
  for (const auto& segment : url->segments()) {
    if (skip > 0) {
      --skip;
      continue;
    }
    rest.push_back(segment);
  }
  if (rest.size() > 1 || (rest.size() == 1 && rest[0].empty())) {
    return respond(Error(404, "UnknownOperationException",
                         "no such resource: " + std::string(PathOf(request.target))));
  }
  const std::string& method = request.method;
  Call call(registry_, clock_, arns_, *route);
  if (rest.empty()) {
    if (method != "GET") {
      HttpResponse r = Error(405, "MethodNotAllowedException",
                             method + " is not allowed on " + std::string(route->prefix) +
                                 " (GET lists; POST, GET, PUT and DELETE take a name: " +
                                 std::string(route->prefix) + "/NAME)");
      r.headers.emplace_back("Allow", "GET");
      return respond(std::move(r));
    }
    auto query = ReadListQuery(*url, *route);
    if (auto* error = std::get_if<HttpResponse>(&query)) return respond(std::move(*error));
    return respond(call.List(std::get<ListQuery>(query)));
  }
  const std::string& name = rest[0];
  if (auto st = triggers::ValidateDefinitionName(name); !st.ok()) {
    return respond(FromStatus(st));
  }
  if (route->kind == Kind::kSchedule) {
    // Only the default group exists: a schedule of any other group does not.
    for (const auto& param : url->params()) {
      if (param.key == "groupName" && param.value != "default") {
        return respond(Error(404, kNotFound, "Schedule group " + param.value + " does not exist."));
      }
    }
  }
  if (method == "GET") return respond(call.Get(name));
  if (method == "POST") return respond(call.Put(request, name, /*create=*/true));
  if (method == "PUT" && route->kind == Kind::kConnection) {
    // ?rotate=true: a new version of the secret; the previous one stays for the grace period.
    for (const auto& param : url->params()) {
      if (param.key == "rotate" && param.value == "true") {
        return respond(call.Rotate(request, name));
      }
    }
  }
  if (method == "PUT") return respond(call.Put(request, name, /*create=*/false));
  if (method == "DELETE") return respond(call.Delete(name));
  HttpResponse r = Error(405, "MethodNotAllowedException",
                         method + " is not allowed on " + std::string(route->prefix) + "/NAME");
  r.headers.emplace_back("Allow", "GET, POST, PUT, DELETE");
  respond(std::move(r));
}

}  // namespace tactus::api
