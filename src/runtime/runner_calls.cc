// Calls into the durable runner: starting, stopping and answering executions, activity
// claims, tasks and nested executions.
#include <chrono>
#include <thread>

#include "engine/resource.h"
#include "runtime/runner_internal.h"

namespace tactus::runtime {

using mongo::BsonPtr;
using mongo::DbStatus;

namespace {

RunnerError Internal(const std::string& what) { return {"InternalFailure", what}; }

// A version-4 UUID from the CSPRNG (child execution names).
std::string RandomUuid() {
  std::string hex = NewToken(16);
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace

BsonPtr DurableRunner::Impl::ExecutionDoc(const NewExecution& e, common::TimeMs now,
                                          const RandomKey& key,
                                          const std::optional<ParentLink>& parent) {
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(e.execution_arn.c_str()), "name", BCON_UTF8(e.name.c_str()),
                       "sm", BCON_UTF8(e.state_machine_arn.c_str()), "smName",
                       BCON_UTF8(e.state_machine_name.c_str()), "revision",
                       BCON_INT64(e.revision), "roleArn", BCON_UTF8(e.role_arn.c_str()), "type",
                       BCON_UTF8("STANDARD"), "input", BCON_UTF8(e.input.c_str()), "startDate",
                       BCON_DATE_TIME(now), "testCase", BCON_UTF8(e.test_case.c_str()),
                       "redriveCount", BCON_INT32(0)));
  bson_append_binary(doc.get(), "key", -1, BSON_SUBTYPE_BINARY, key.data(), key.size());
  if (parent) {
    bson_t p;
    BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "parent", &p);
    BSON_APPEND_UTF8(&p, "arn", parent->arn.c_str());
    BSON_APPEND_INT64(&p, "task", parent->task);
    BSON_APPEND_UTF8(&p, "mode", parent->mode.c_str());
    bson_append_document_end(doc.get(), &p);
  }
  return doc;
}

DbStatus DurableRunner::Impl::DeliverEvent(mongo::Client& client, mongo::Session* session,
                                           const std::string& arn, const std::string& work_id,
                                           const std::string& body, AfterCommit* after) {
  common::TimeMs now = clock.Now();
  WorkItem item{work_id, arn, "event", now, body};
  BsonPtr doc = WorkDoc(item, now, true);
  DbStatus st = mongo::InsertOne(client.Collection(options.database, kWork), doc.get(), session);
  if (st.ok()) after->local.push_back(std::move(item));
  return st;
}

RunnerResult<common::TimeMs> DurableRunner::StopExecution(const std::string& arn,
                                                          const std::string& error,
                                                          const std::string& cause) {
  Impl& r = *impl_;
  mongo::Client client = r.pool.Acquire();
  auto* executions = client.Collection(r.options.database, kExecutions);
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
  auto doc = mongo::FindOne(executions, filter.get(), nullptr, nullptr);
  if (!doc.ok()) return Internal(doc.status().message());
  if (!doc->has_value()) {
    return RunnerError{"ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'"};
  }
  if (mongo::GetString(doc->value().get(), "status") == "RUNNING") {
    json::object body{{"k", "stop"}, {"error", error}, {"cause", cause}};
    AfterCommit after;
    DbStatus st;
    // A busy execution's steps follow each other closely; a write conflict here only means
    // one of them held the store: try again.
    for (int attempt = 0; attempt < kMaxDeliverAttempts; ++attempt) {
      st = r.DeliverEvent(client, nullptr, arn, arn + "#event#stop", common::SerializeJson(body),
                          &after);
      if (st.ok() || st.duplicate_key() || !IsWriteConflict(st)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10 * (attempt + 1), 200)));
    }
    if (!st.ok() && !st.duplicate_key()) return Internal(st.message());
    r.Schedule(std::move(after));
  }
  // StopExecution answers once the execution has ended (its step is committed).
  for (int i = 0; i < 1000; ++i) {
    doc = mongo::FindOne(executions, filter.get(), nullptr, nullptr);
    if (doc.ok() && doc->has_value() &&
        mongo::GetString(doc->value().get(), "status") != "RUNNING") {
      return mongo::GetDateMs(doc->value().get(), "stopDate");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return RunnerError{"ServiceUnavailable", "the execution did not stop in time; try again"};
}

namespace {
constexpr std::size_t kMaxTokenLength = 1024;  // AWS's limit on taskToken
}

// Consumes (or, for heartbeats, checks) a token and delivers `body` to its execution.
static RunnerResult<bool> DeliverToToken(DurableRunner::Impl& r, const std::string& token,
                                         const std::string& kind, json::object body) {
  if (token.empty() || token.size() > kMaxTokenLength) {
    return RunnerError{"InvalidToken", "Invalid Token: the task token is empty or too long"};
  }
  mongo::Client client = r.pool.Acquire();
  auto* tokens = client.Collection(r.options.database, kTokens);
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(token.c_str())));
  auto doc = mongo::FindOne(tokens, filter.get(), nullptr, nullptr);
  if (!doc.ok()) return Internal(doc.status().message());
  auto gone = [] {
    return RunnerError{"TaskDoesNotExist",
                       "Task Does Not Exist: the token is unknown, was used already, or its "
                       "task has ended"};
  };
  if (!doc->has_value()) return gone();
  auto closed_or_gone = [&]() -> RunnerError {
    auto again = mongo::FindOne(tokens, filter.get(), nullptr, nullptr);
    if (again.ok() && again->has_value()) {
      return RunnerError{"TaskTimedOut",
                         "Task Timed Out: the task of this token has timed out or its execution "
                         "has ended"};
    }
    return gone();
  };
  if (mongo::Has(doc->value().get(), "closed")) return closed_or_gone();
  std::string arn = mongo::GetString(doc->value().get(), "e");
  std::int64_t task = mongo::GetInt(doc->value().get(), "task");
  body["task"] = task;
  std::string text = common::SerializeJson(body);
  if (kind == "beat") {
    // A heartbeat does not consume the token: one write, no transaction.
    AfterCommit after;
    std::string work_id = arn + "#event#beat-" + std::to_string(task) + "-" + NewToken(8);
    DbStatus st = r.DeliverEvent(client, nullptr, arn, work_id, text, &after);
    if (!st.ok()) return Internal(st.message());
    r.Schedule(std::move(after));
    return true;
  }
  for (int attempt = 0; attempt < kMaxStepAttempts; ++attempt) {
    auto session = client.StartSession();
    if (!session.ok()) return Internal(session.status().message());
    if (auto st = (*session)->Begin(); !st.ok()) return Internal(st.message());
    // Consuming the token is the transaction's first statement (a write), so a second answer
    // for the same token finds nothing to delete.
    std::int64_t deleted = 0;
    BsonPtr open_token(BCON_NEW("_id", BCON_UTF8(token.c_str()), "closed", "{", "$ne",
                                BCON_BOOL(true), "}"));
    DbStatus st = mongo::DeleteOne(tokens, open_token.get(), session->get(), &deleted);
    if (st.ok() && !deleted) return closed_or_gone();
    if (st.ok()) {
      st = mongo::DeleteOne(client.Collection(r.options.database, kActivityTasks), filter.get(),
                            session->get());
    }
    AfterCommit after;
    if (st.ok()) {
      st = r.DeliverEvent(client, session->get(), arn, arn + "#event#task-" + std::to_string(task),
                          text, &after);
    }
    if (st.ok()) st = (*session)->Commit();
    if (st.ok()) {
      r.Schedule(std::move(after));
      return true;
    }
    if (!st.transient()) return Internal(st.message());
  }
  return RunnerError{"ServiceUnavailable", "too many conflicting writers; try again"};
}

RunnerResult<bool> DurableRunner::SendTaskSuccess(const std::string& token, json::value output) {
  return DeliverToToken(*impl_, token, "ok", {{"k", "ok"}, {"out", std::move(output)}});
}

RunnerResult<bool> DurableRunner::SendTaskFailure(const std::string& token,
                                                  const std::string& error,
                                                  const std::string& cause) {
  return DeliverToToken(*impl_, token, "fail", {{"k", "fail"}, {"error", error}, {"cause", cause}});
}

RunnerResult<bool> DurableRunner::SendTaskHeartbeat(const std::string& token) {
  return DeliverToToken(*impl_, token, "beat", {{"k", "beat"}});
}

RunnerResult<std::optional<std::pair<std::string, std::string>>>
DurableRunner::ClaimActivityTask(const std::string& activity_arn, const std::string& worker) {
  Impl& r = *impl_;
  mongo::Client client = r.pool.Acquire();
  auto* tasks = client.Collection(r.options.database, kActivityTasks);
  for (int attempt = 0; attempt < kMaxStepAttempts; ++attempt) {
    BsonPtr filter(BCON_NEW("activity", BCON_UTF8(activity_arn.c_str()), "claimed",
                            BCON_BOOL(false)));
    BsonPtr opts(BCON_NEW("sort", "{", "created", BCON_INT32(1), "}"));
    auto doc = mongo::FindOne(tasks, filter.get(), opts.get(), nullptr);
    if (!doc.ok()) return Internal(doc.status().message());
    if (!doc->has_value()) return std::optional<std::pair<std::string, std::string>>();
    const bson_t* task = doc->value().get();
    std::string token = mongo::GetString(task, "_id");
    std::string arn = mongo::GetString(task, "e");
    std::int64_t task_id = mongo::GetInt(task, "task");
    // The claim and the execution's ActivityStarted event commit together.
    auto session = client.StartSession();
    if (!session.ok()) return Internal(session.status().message());
    if (auto st = (*session)->Begin(); !st.ok()) return Internal(st.message());
    BsonPtr claim(BCON_NEW("_id", BCON_UTF8(token.c_str()), "claimed", BCON_BOOL(false)));
    BsonPtr set(BCON_NEW("$set", "{", "claimed", BCON_BOOL(true), "worker",
                         BCON_UTF8(worker.c_str()), "}"));
    std::int64_t matched = 0;
    DbStatus st = mongo::UpdateOne(tasks, claim.get(), set.get(), session->get(), &matched);
    if (st.ok() && !matched) continue;  // another worker took it
    AfterCommit after;
    json::object started{{"k", "started"}, {"task", task_id}, {"worker", worker}};
    if (st.ok()) {
      st = r.DeliverEvent(client, session->get(), arn,
                          arn + "#event#started-" + std::to_string(task_id),
                          common::SerializeJson(started), &after);
    }
    if (st.ok()) st = (*session)->Commit();
    if (st.ok()) {
      r.Schedule(std::move(after));
      return std::optional<std::pair<std::string, std::string>>(
          std::make_pair(token, mongo::GetString(task, "input")));
    }
    if (!st.transient()) return Internal(st.message());
  }
  return std::optional<std::pair<std::string, std::string>>();
}

void DurableRunner::OnActivityTask(const std::string& activity_arn, std::function<void()> wake) {
  std::lock_guard lock(impl_->mu);
  impl_->activity_waiters.emplace(activity_arn, std::move(wake));
}

std::optional<TaskWork> ParseTaskWork(const WorkItem& item) {
  auto body = common::ParseJson(item.body);
  if (!body.ok() || !body->is_object()) return std::nullopt;
  const json::object& b = body->as_object();
  auto num = [&](const char* k) -> std::optional<std::int64_t> {
    std::int64_t n;
    if (auto* v = b.if_contains(k); v && common::AsInt64(*v, &n)) return n;
    return std::nullopt;
  };
  auto str = [&](const char* k) {
    auto* v = b.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  TaskWork work;
  work.id = num("task").value_or(0);
  tasks::TaskRequest& request = work.request;
  request.state_name = str("state");
  request.resource = str("resource");
  if (auto* p = b.if_contains("params")) request.parameters = *p;
  if (b.contains("token")) request.task_token = str("token");
  request.timeout_seconds = num("timeout");
  request.heartbeat_seconds = num("heartbeat");
  request.invocation = num("invocation");
  request.execution_arn = item.execution;
  request.idempotency_key = item.id;  // "<execution>#task-<n>": one per task, kept on redelivery
  request.role_arn = str("role");
  request.credentials_role_arn = str("credentials");
  return work;
}

engine::Event DurableRunner::Impl::RunTask(const std::string& sm_name,
                                           const std::string& test_case, const TaskWork& work) {
  const tasks::TaskRequest& request = work.request;
  const std::int64_t task = work.id;
  tasks::TaskOutcome outcome = dispatchers(sm_name, test_case).Invoke(request);
  // `.waitForTaskToken` on a real integration: the call delivered the token; the task's result
  // comes with SendTaskSuccess/Failure. (Mocks answer callbacks directly, as Step Functions
  // Local does.)
  if (outcome.ok && test_case.empty() && engine::IsCallbackResource(request.resource)) {
    return engine::TaskStarted{task, ""};
  }
  if (outcome.ok) return engine::TaskSucceeded{task, std::move(outcome.result)};
  return engine::TaskFailed{task, std::move(outcome.error), std::move(outcome.cause)};
}

bool DurableRunner::Impl::StartChild(mongo::Client& client, Loaded& parent,
                                     const WorkItem& item) {
  auto body = common::ParseJson(item.body);
  if (!body.ok() || !body->is_object()) return true;
  const json::object& b = body->as_object();
  std::int64_t task = 0;
  const json::value* task_value = b.if_contains("task");
  const json::value* mode_value = b.if_contains("mode");
  if (!task_value || !common::AsInt64(*task_value, &task) || !mode_value ||
      !mode_value->is_string()) {
    return true;  // a damaged work item: nothing sensible to start
  }
  std::string mode(mode_value->as_string());
  json::value params = b.contains("params") ? b.at("params") : json::value(json::object());
  common::TimeMs now = clock.Now();

  auto fail = [&](const std::string& error, const std::string& cause) {
    return json::object{{"k", "fail"}, {"task", task}, {"error", error}, {"cause", cause}};
  };
  std::optional<json::object> parent_event;
  std::string sm_arn, name, input = "{}";
  if (auto* p = params.if_object()) {
    if (auto* v = p->if_contains("StateMachineArn"); v && v->is_string()) {
      sm_arn = std::string(v->as_string());
    }
    if (auto* v = p->if_contains("Name"); v && v->is_string()) name = std::string(v->as_string());
    if (auto* v = p->if_contains("Input")) {
      input = v->is_string() ? std::string(v->as_string()) : common::SerializeJson(*v);
    }
  }
  if (name.empty()) name = RandomUuid();
  if (sm_arn.empty()) {
    parent_event = fail("States.Runtime", "states:startExecution needs a StateMachineArn string");
  }
  // The parent's role must be allowed states:StartExecution on the child's state machine
  // (docs/auth.md, "Execution roles"); mocked executions start children unchecked.
  if (!parent_event && options.authorizer && parent.test_case.empty()) {
    tasks::TaskRequest request;
    request.resource = "arn:aws:states:::states:startExecution" + mode;
    request.parameters = params;
    request.execution_arn = parent.arn;
    request.role_arn = parent.role_arn;
    if (auto* state = b.if_contains("state"); state && state->is_string()) {
      request.state_name = std::string(state->as_string());
    }
    if (auto* role = b.if_contains("credentials"); role && role->is_string()) {
      request.credentials_role_arn = std::string(role->as_string());
    }
    if (auto denied = options.authorizer->Authorize(request)) {
      parent_event = fail(denied->error, denied->cause);
    }
  }

  auto session = client.StartSession();
  if (!session.ok() || !(*session)->Begin().ok()) return false;
  BsonPtr item_filter(BCON_NEW("_id", BCON_UTF8(item.id.c_str())));
  std::int64_t deleted = 0;
  DbStatus st = mongo::DeleteOne(client.Collection(options.database, kWork), item_filter.get(),
                                 session->get(), &deleted);
  if (!st.ok()) return false;
  if (!deleted) return true;
  AfterCommit after;
  if (!parent_event) {
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(sm_arn.c_str())));
    auto sm = mongo::FindOne(client.Collection(options.database, kStateMachines), filter.get(),
                             nullptr, session->get());
    if (!sm.ok()) return false;
    if (!sm->has_value()) {
      parent_event = fail("StepFunctions.StateMachineDoesNotExistException",
                          "State Machine Does Not Exist: '" + sm_arn + "'");
    } else {
      const bson_t* s = sm->value().get();
      NewExecution child;
      std::string prefix = ":stateMachine:";
      std::string arn = sm_arn;
      auto at = arn.find(prefix);
      child.execution_arn = arn.replace(at, prefix.size(), ":execution:") + ":" + name;
      child.name = name;
      child.state_machine_arn = sm_arn;
      child.state_machine_name = mongo::GetString(s, "name");
      child.revision = mongo::GetInt(s, "revision");
      child.role_arn = mongo::GetString(s, "roleArn");
      child.input = input;
      child.test_case = parent.test_case;
      std::optional<ParentLink> link;
      if (mode == ".sync" || mode == ".sync:2") link = ParentLink{parent.arn, task, mode};
      BsonPtr doc = ExecutionDoc(child, now, NewRandomKey(), link);
      BSON_APPEND_INT64(doc.get(), "v", 0);
      BSON_APPEND_INT64(doc.get(), "events", 0);
      BSON_APPEND_UTF8(doc.get(), "status", "RUNNING");
      st = mongo::InsertOne(client.Collection(options.database, kExecutions), doc.get(),
                            session->get());
      if (st.duplicate_key()) {
        parent_event = fail("StepFunctions.ExecutionAlreadyExistsException",
                            "Execution Already Exists: '" + child.execution_arn + "'");
        st = DbStatus::Ok();
      } else if (st.ok()) {
        WorkItem start{child.execution_arn + "#start#0", child.execution_arn, "start", now, ""};
        BsonPtr w = WorkDoc(start, now, true);
        st = mongo::InsertOne(client.Collection(options.database, kWork), w.get(),
                              session->get());
        after.local.push_back(std::move(start));
        if (mode.empty()) {
          parent_event = json::object{
              {"k", "ok"},
              {"task", task},
              {"out", json::object{{"ExecutionArn", child.execution_arn}, {"StartDate", now}}}};
        }
      }
    }
  }
  if (st.ok() && parent_event) {
    st = DeliverEvent(client, session->get(), parent.arn,
                      parent.arn + "#event#child-" + std::to_string(task),
                      common::SerializeJson(*parent_event), &after);
  }
  if (st.ok()) st = (*session)->Commit();
  if (!st.ok()) return false;
  Schedule(std::move(after));
  return true;
}

}  // namespace tactus::runtime
