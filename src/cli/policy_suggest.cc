// Static analysis of a definition for `tactus policy suggest` (policy_suggest.h).
#include "cli/policy_suggest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace tactus::cli {
namespace {

namespace json = boost::json;

bool IsJsonata(const json::value& v) {
  if (!v.is_string()) return false;
  std::string_view s = v.as_string();
  return s.size() >= 4 && s.starts_with("{%") && s.ends_with("%}");
}

// A JSONata template with its "{% ... %}" members renamed "<name>.$", so the permission table
// treats them as computed, as it treats JSONPath's.
json::value AsPathTemplate(const json::value& v) {
  if (const json::object* o = v.if_object()) {
    json::object out;
    for (const auto& [key, member] : *o) {
      if (IsJsonata(member)) {
        out[std::string(key) + ".$"] = member;
      } else {
        out[key] = AsPathTemplate(member);
      }
    }
    return out;
  }
  if (const json::array* a = v.if_array()) {
    json::array out;
    for (const auto& e : *a) out.push_back(AsPathTemplate(e));
    return out;
  }
  return v;
}

// ".Name", or "[\"Name with spaces\"]" for a name that is not a plain identifier.
std::string Member(std::string_view name) {
  bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return plain ? "." + std::string(name) : "[" + common::SerializeJson(json::string(name)) + "]";
}

// "mongodb:find" -> "MongodbFind".
std::string SidOf(const std::string& action) {
  std::string sid;
  bool upper = true;
  for (char c : action) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    sid += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return sid;
}

class Walker {
 public:
  explicit Walker(const tasks::PermissionContext& context) : context_(context) {}

  void Machine(const json::object& machine, const std::string& where, bool jsonata) {
    if (auto* ql = machine.if_contains("QueryLanguage"); ql && ql->is_string()) {
      jsonata = ql->as_string() == "JSONata";
    }
    const json::object* states =
        machine.if_contains("States") ? machine.at("States").if_object() : nullptr;
    if (!states) return;
    for (const auto& [name, state] : *states) {
      if (const json::object* s = state.if_object()) {
        State(*s, where + "States" + Member(name), jsonata);
      }
    }
  }

  std::map<std::string, std::set<std::string>> actions;  // action -> resources
  std::vector<std::string> notes;

 private:
  void State(const json::object& s, const std::string& where, bool jsonata) {
    if (auto* ql = s.if_contains("QueryLanguage"); ql && ql->is_string()) {
      jsonata = ql->as_string() == "JSONata";
    }
    std::string type;
    if (auto* t = s.if_contains("Type"); t && t->is_string()) type = std::string(t->as_string());
    if (type == "Parallel") {
      if (auto* branches = s.if_contains("Branches"); branches && branches->is_array()) {
        const json::array& list = branches->as_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (const json::object* b = list[i].if_object()) {
            Machine(*b, where + ".Branches[" + std::to_string(i) + "].", jsonata);
          }
        }
      }
    } else if (type == "Map") {
      for (const char* key : {"ItemProcessor", "Iterator"}) {
        if (auto* p = s.if_contains(key); p && p->is_object()) {
          Machine(p->as_object(), where + "." + key + ".", jsonata);
        }
      }
      if (s.contains("ItemReader")) {
        notes.push_back(where + ".ItemReader: not analysed (Tactus reads no S3)");
      }
    }
    if (type != "Task") return;
    std::string resource;
    if (auto* r = s.if_contains("Resource"); r && r->is_string()) {
      resource = std::string(r->as_string());
    }
    const char* field = jsonata ? "Arguments" : "Parameters";
    json::value params = s.contains(field) ? s.at(field) : json::value(json::object());
    if (jsonata) params = AsPathTemplate(params);
    if (resource.find(":activity:") != std::string::npos) {
      notes.push_back(where + ": activity " + resource +
                      ": the execution role needs no permission (workers call GetActivityTask "
                      "and SendTask* with their own credentials, which need states:GetActivityTask "
                      "on it)");
      return;
    }
    tasks::TaskPermissions needed = tasks::RequiredTaskPermissions(resource, params, context_);
    for (const auto& note : needed.notes) notes.push_back(where + "." + field + note.substr(10));
    // Credentials.RoleArn: the state acts as that role.
    std::string assumed;
    if (auto* c = s.if_contains("Credentials"); c && c->is_object()) {
      const json::object& creds = c->as_object();
      if (auto* arn = creds.if_contains("RoleArn"); arn && arn->is_string() && !IsJsonata(*arn)) {
        assumed = std::string(arn->as_string());
      } else if (creds.contains("RoleArn.$") || (arn && IsJsonata(*arn))) {
        assumed = "*";
        notes.push_back(where + ".Credentials.RoleArn (computed at run time)");
      }
    }
    if (assumed.empty()) {
      for (const auto& p : needed.permissions) actions[p.action].insert(p.resource);
      return;
    }
    actions["sts:AssumeRole"].insert(assumed);
    for (const auto& p : needed.permissions) {
      notes.push_back(where + " runs as " + assumed + " (Credentials.RoleArn): that role needs " +
                      p.action + " on " + p.resource);
    }
  }

  const tasks::PermissionContext& context_;
};

}  // namespace

common::Result<PolicySuggestion> SuggestPolicy(const json::value& definition,
                                               const tasks::PermissionContext& context) {
  const json::object* machine = definition.if_object();
  if (!machine || !machine->contains("States")) {
    return common::Status::InvalidArgument("the definition is not an object with States");
  }
  Walker walker(context);
  walker.Machine(*machine, "", false);
  PolicySuggestion out;
  json::array statements;
  for (const auto& [action, resources] : walker.actions) {
    json::array list;
    // A "*" resource covers the others.
    if (resources.contains("*")) {
      list.push_back("*");
    } else {
      for (const auto& r : resources) list.push_back(json::string(r));
    }
    json::object statement{{"Sid", SidOf(action)}, {"Effect", "Allow"}, {"Action", action}};
    statement["Resource"] = list.size() == 1 ? list[0] : json::value(list);
    statements.push_back(std::move(statement));
  }
  out.policy = {{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
  out.notes = std::move(walker.notes);
  return out;
}

}  // namespace tactus::cli
