// The permission table of tasks (task_permissions.h; docs/auth.md, "Execution roles").
#include "tasks/task_permissions.h"

#include <algorithm>
#include <utility>

namespace tactus::tasks {
namespace {

constexpr std::string_view kMongoDbResource = "arn:tactus:states:::mongodb:";
constexpr std::string_view kCallbackSuffix = ".waitForTaskToken";
constexpr std::string_view kStartExecution = ":states:::states:startExecution";

// A string field of a parameters object, or "*" when a path or intrinsic ("<name>.$") computes
// it at run time (noted as `where`.<name>.$).
struct Field {
  std::string value;
  bool computed = false;
};

class Collector {
 public:
  explicit Collector(TaskPermissions* out) : out_(out) {}

  Field Get(const json::object* o, std::string_view name, const std::string& where) {
    if (!o) return {};
    if (o->contains(std::string(name) + ".$")) {
      Note(where + "." + std::string(name) + ".$");
      return {"*", true};
    }
    if (auto* v = o->if_contains(name); v && v->is_string()) {
      return {std::string(v->as_string()), false};
    }
    return {};
  }

  void Note(const std::string& what) {
    std::string note = what + " (computed at run time)";
    if (std::find(out_->notes.begin(), out_->notes.end(), note) == out_->notes.end()) {
      out_->notes.push_back(std::move(note));
    }
  }

  void Add(std::string action, std::string resource) {
    Permission p{std::move(action), std::move(resource)};
    if (std::find(out_->permissions.begin(), out_->permissions.end(), p) ==
        out_->permissions.end()) {
      out_->permissions.push_back(std::move(p));
    }
  }

  void AddMongo(const std::vector<std::string>& privileges, const std::string& db,
                const std::string& coll) {
    for (const auto& privilege : privileges)
      Add("mongodb:" + privilege, MongoDbNamespaceArn(db, coll));
    std::pair<std::string, std::string> ns{db, coll};
    if (std::find(out_->namespaces.begin(), out_->namespaces.end(), ns) == out_->namespaces.end()) {
      out_->namespaces.push_back(std::move(ns));
    }
  }

  // The namespaces a pipeline's stages name besides its own collection.
  void Pipeline(const json::value* pipeline, const std::string& db, const std::string& where) {
    const json::array* stages = pipeline ? pipeline->if_array() : nullptr;
    if (!stages) return;
    for (std::size_t i = 0; i < stages->size(); ++i) {
      const json::object* stage = (*stages)[i].if_object();
      if (!stage) continue;
      std::string at = where + "[" + std::to_string(i) + "]";
      for (const auto& [key, value] : *stage) {
        std::string name(key);
        if (name.ends_with(".$")) {
          Note(at + "." + name);
          name.resize(name.size() - 2);
          if (name == "$lookup" || name == "$graphLookup" || name == "$unionWith") {
            AddMongo({"find"}, db, "*");
          } else if (name == "$out" || name == "$merge") {
            AddMongo({"insert", "update", "remove"}, "*", "*");
          }
          continue;
        }
        Stage(name, value, db, at + "." + name);
      }
    }
  }

 private:
  // A stage's target given as "coll" or {db, coll}.
  std::pair<std::string, std::string> Target(const json::value& v, const std::string& db,
                                             const std::string& where) {
    if (v.is_string()) return {db, std::string(v.as_string())};
    const json::object* o = v.if_object();
    Field d = Get(o, "db", where);
    Field c = Get(o, "coll", where);
    return {d.value.empty() && !d.computed ? db : d.value, c.value};
  }

  void Stage(const std::string& name, const json::value& value, const std::string& db,
             const std::string& where) {
    const json::object* o = value.if_object();
    if (name == "$lookup" || name == "$graphLookup") {
      if (!o) return;
      std::string from_db = db;
      std::string from;
      if (o->contains("from.$")) {
        Note(where + ".from.$");
        from = "*";
      } else if (auto* f = o->if_contains("from")) {
        auto [d, c] = Target(*f, db, where + ".from");
        from_db = d;
        from = c;
      }
      AddMongo({"find"}, from_db, from);
      if (auto* p = o->if_contains("pipeline")) Pipeline(p, db, where + ".pipeline");
    } else if (name == "$unionWith") {
      if (value.is_string()) {
        AddMongo({"find"}, db, std::string(value.as_string()));
        return;
      }
      if (!o) return;
      Field c = Get(o, "coll", where);
      AddMongo({"find"}, db, c.value);
      if (auto* p = o->if_contains("pipeline")) Pipeline(p, db, where + ".pipeline");
    } else if (name == "$facet") {
      if (!o) return;
      for (const auto& [facet, p] : *o) Pipeline(&p, db, where + "." + std::string(facet));
    } else if (name == "$out") {
      auto [d, c] = Target(value, db, where);
      AddMongo({"insert", "remove"}, d, c);
    } else if (name == "$merge") {
      std::pair<std::string, std::string> target;
      if (value.is_string()) {
        target = {db, std::string(value.as_string())};
      } else if (o) {
        if (o->contains("into.$")) {
          Note(where + ".into.$");
          target = {"*", "*"};
        } else if (auto* into = o->if_contains("into")) {
          target = Target(*into, db, where + ".into");
        }
      }
      AddMongo({"insert", "update"}, target.first, target.second);
    }
  }

  TaskPermissions* out_;
};

bool TrueAt(const json::object* o, std::string_view name) {
  if (!o) return false;
  if (o->contains(std::string(name) + ".$")) return true;  // may be true at run time
  auto* v = o->if_contains(name);
  return v && v->is_bool() && v->as_bool();
}

void Lambda(Collector& c, const std::string& function, const std::string& qualifier,
            const PermissionContext& ctx) {
  std::string arn;
  if (function == "*") {
    arn = "arn:" + ctx.partition + ":lambda:" + ctx.region + ":" + ctx.account + ":function:*";
  } else if (function.rfind("arn:", 0) == 0) {
    arn = function;
  } else if (function.find(":function:") != std::string::npos) {
    arn = "arn:" + ctx.partition + ":lambda:" + ctx.region + ":" + function;
  } else {
    arn = "arn:" + ctx.partition + ":lambda:" + ctx.region + ":" + ctx.account +
          ":function:" + function;
  }
  // arn:p:lambda:r:a:function:name has 7 parts; an 8th is a qualifier.
  if (!qualifier.empty() && std::count(arn.begin(), arn.end(), ':') == 6) arn += ":" + qualifier;
  c.Add("lambda:InvokeFunction", arn);
}

}  // namespace

std::string MongoDbNamespaceArn(std::string_view database, std::string_view collection) {
  return std::string(kMongoDbArnPrefix) + std::string(database) + "/" + std::string(collection);
}

std::vector<std::string> MongoDbActionsOf(std::string_view op, const json::value& parameters) {
  const json::object* p = parameters.if_object();
  const json::value* options_value = p ? p->if_contains("Options") : nullptr;
  const json::object* options = options_value ? options_value->if_object() : nullptr;
  bool upsert = TrueAt(options, "upsert") || (p && p->contains("Options.$"));
  if (op == "find" || op == "findOne" || op == "countDocuments" || op == "distinct" ||
      op == "aggregate") {
    return {"find"};
  }
  if (op == "insertOne" || op == "insertMany") return {"insert"};
  if (op == "updateOne" || op == "updateMany" || op == "replaceOne") {
    if (upsert) return {"update", "insert"};
    return {"update"};
  }
  if (op == "deleteOne" || op == "deleteMany") return {"remove"};
  if (op == "findOneAndUpdate" || op == "findOneAndReplace") {
    if (upsert) return {"find", "update", "insert"};
    return {"find", "update"};
  }
  if (op == "findOneAndDelete") return {"find", "remove"};
  if (op == "archive") return {"find", "remove"};
  if (op == "bulkWrite") {
    std::vector<std::string> out;
    auto add = [&](const char* a) {
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    };
    const json::value* ops = p ? p->if_contains("Operations") : nullptr;
    if (!ops || !ops->is_array() || (p && p->contains("Operations.$"))) {
      // Unknown at this point: whatever a bulk write may do.
      return {"insert", "update", "remove"};
    }
    for (const auto& entry : ops->as_array()) {
      const json::object* e = entry.if_object();
      if (!e) continue;
      for (const auto& [kind, body] : *e) {
        if (kind == "insertOne") {
          add("insert");
        } else if (kind == "updateOne" || kind == "updateMany" || kind == "replaceOne") {
          add("update");
          if (TrueAt(body.if_object(), "Upsert")) add("insert");
        } else if (kind == "deleteOne" || kind == "deleteMany") {
          add("remove");
        }
      }
    }
    return out;
  }
  return {};
}

TaskPermissions RequiredTaskPermissions(std::string_view resource, const json::value& parameters,
                                        const PermissionContext& context) {
  TaskPermissions out;
  Collector c(&out);
  const json::object* p = parameters.if_object();
  if (resource.rfind(kMongoDbResource, 0) == 0) {
    std::string op(resource.substr(kMongoDbResource.size()));
    if (op.ends_with(kCallbackSuffix)) op.resize(op.size() - kCallbackSuffix.size());
    std::string db = c.Get(p, "Database", "Parameters").value;
    std::string coll = c.Get(p, "Collection", "Parameters").value;
    std::vector<std::string> actions = MongoDbActionsOf(op, parameters);
    if (actions.empty()) return out;  // an unknown operation fails on its own
    c.AddMongo(actions, db, coll);
    if (op == "archive") {
      Field tdb = c.Get(p, "TargetDatabase", "Parameters");
      std::string target_db = tdb.value.empty() && !tdb.computed ? db : tdb.value;
      c.AddMongo({"insert"}, target_db, c.Get(p, "TargetCollection", "Parameters").value);
    } else if (op == "aggregate") {
      if (p && p->contains("Pipeline.$")) {
        c.Note("Parameters.Pipeline.$");
        // Any stage may name other namespaces: their actions are known only at run time.
      } else if (p) {
        c.Pipeline(p->if_contains("Pipeline"), db, "Parameters.Pipeline");
      }
    }
    return out;
  }
  // arn:<partition>:states:::http:invoke, ...:lambda:invoke[.waitForTaskToken], function ARNs.
  std::string_view rest = resource;
  if (rest.rfind("arn:", 0) != 0) return out;
  std::size_t service = rest.find(':', 4);
  if (service == std::string_view::npos) return out;
  std::string_view tail = rest.substr(service);
  if (tail == ":states:::http:invoke") {
    Field endpoint = c.Get(p, "ApiEndpoint", "Parameters");
    std::string url = endpoint.value;
    if (!endpoint.computed) url = url.substr(0, url.find_first_of("?#"));
    c.Add("http:invoke", std::string(kHttpArnPrefix) + url);
  } else if (tail == ":states:::lambda:invoke" ||
             tail == ":states:::lambda:invoke.waitForTaskToken") {
    Field name = c.Get(p, "FunctionName", "Parameters");
    Field qualifier = c.Get(p, "Qualifier", "Parameters");
    Lambda(c, name.value, qualifier.computed ? "*" : qualifier.value, context);
  } else if (tail.rfind(":lambda:", 0) == 0) {
    Lambda(c, std::string(resource), "", context);
  } else if (tail.rfind(kStartExecution, 0) == 0) {
    Field machine = c.Get(p, "StateMachineArn", "Parameters");
    std::string sm = machine.value.empty() ? "*" : machine.value;
    c.Add("states:StartExecution", sm);
    std::string mode(tail.substr(kStartExecution.size()));
    if (mode == ".sync" || mode == ".sync:2") {
      // Its executions: arn:...:execution:<machine name>:*
      std::string executions = "*";
      if (std::size_t at = sm.find(":stateMachine:"); at != std::string::npos) {
        std::string name = sm.substr(at + 14);
        name = name.substr(0, name.find(':'));
        executions = sm.substr(0, at) + ":execution:" + name + ":*";
      }
      c.Add("states:DescribeExecution", executions);
      c.Add("states:StopExecution", executions);
    }
  }
  return out;
}

}  // namespace tactus::tasks
