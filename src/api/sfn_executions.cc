// Execution actions: start (standard, express, sync), stop, describe, list, history.
#include <algorithm>

#include "api/sfn_internal.h"
#include "asl/model.h"
#include "runtime/keyed_random.h"

namespace tactus::api {

using mongo::BsonPtr;

namespace {

// Step Functions Local's convention for mocks: "<state machine ARN>#<test case>".
std::pair<std::string, std::string> SplitTestCase(const std::string& arn) {
  auto hash = arn.find('#');
  if (hash == std::string::npos) return {arn, ""};
  return {arn.substr(0, hash), arn.substr(hash + 1)};
}

std::string RandomName() {
  std::string hex = runtime::NewToken(16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a" +
         hex.substr(17, 3) + "-" + hex.substr(20);
}

json::object DescribeDoc(const bson_t* d) {
  std::string status = mongo::GetString(d, "status");
  json::object o{{"executionArn", mongo::GetString(d, "_id")},
                 {"stateMachineArn", mongo::GetString(d, "sm")},
                 {"name", mongo::GetString(d, "name")},
                 {"status", status},
                 {"startDate", Seconds(mongo::GetDateMs(d, "startDate"))},
                 {"input", mongo::GetString(d, "input")},
                 {"inputDetails", json::object{{"included", true}}},
                 {"redriveCount", 0},
                 {"redriveStatus", "NOT_REDRIVABLE"}};
  if (status != "RUNNING") {
    o["stopDate"] = Seconds(mongo::GetDateMs(d, "stopDate"));
    o["redriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven";
  }
  if (status == "SUCCEEDED") {
    o["output"] = mongo::GetString(d, "output");
    o["outputDetails"] = json::object{{"included", true}};
  } else if (status != "RUNNING") {
    if (auto e = mongo::GetString(d, "error"); !e.empty()) o["error"] = e;
    if (auto c = mongo::GetString(d, "cause"); !c.empty()) o["cause"] = c;
  }
  if (status != "SUCCEEDED" && status != "RUNNING") {
    o["redriveStatusReason"] = "Tactus does not redrive executions yet";
  }
  return o;
}

}  // namespace

ApiResult<StepFunctionsApi::Impl::StartRequest> StepFunctionsApi::Impl::ReadStartRequest(
    const Params& p) {
  auto sm_text = RequireString(p, "stateMachineArn", common::kMaxArnLength + 256);
  if (!sm_text.ok()) return std::move(sm_text).error();
  StartRequest r;
  auto [sm_arn_text, test_case] = SplitTestCase(*sm_text);
  auto parsed = common::ParseStatesArn(sm_arn_text, common::ArnResourceType::kStateMachine);
  if (!parsed.ok()) return ArnOrNameError(parsed.status());
  r.sm_arn = common::FormatArn(*parsed);
  r.machine_name = parsed->name;
  r.test_case = test_case;
  auto name = OptionalString(p, "name", common::kMaxResourceNameChars, 1);
  if (!name.ok()) return std::move(name).error();
  r.name = name->value_or(RandomName());
  if (auto st = common::ValidateResourceName(r.name); !st.ok()) return ArnOrNameError(st);
  auto input = JsonTextMember(p, "input", error_code::kInvalidExecutionInput, "{}");
  if (!input.ok()) return std::move(input).error();
  r.input = std::move(*input);
  auto sm = LookupMachine(r.sm_arn);
  if (!sm.ok()) return std::move(sm).error();
  r.machine = std::move(*sm);
  return r;
}

Reply StepFunctionsApi::Impl::StartExecution(const Params& p) {
  auto req = ReadStartRequest(p);
  if (!req.ok()) return std::move(req).error();
  const std::string& sm_arn = req->sm_arn;
  const std::string& test_case = req->test_case;
  const std::string& exec_name = req->name;
  const std::string& input = req->input;
  const MachineInfo& sm_info = *req->machine;
  if (sm_info.type == "EXPRESS") {
    mongo::Client c = pool.Acquire();
    // Asynchronous express: run in memory; only the final status is kept (AWS keeps no
    // history of express executions either).
    std::string arn = common::FormatExpressExecutionArn(options.arns, req->machine_name, exec_name,
                                                        RandomName());
    common::TimeMs now = clock.Now();
    BsonPtr exec(BCON_NEW("_id", BCON_UTF8(arn.c_str()), "sm", BCON_UTF8(sm_arn.c_str()),
                          "smName", BCON_UTF8(req->machine_name.c_str()), "name",
                          BCON_UTF8(exec_name.c_str()), "type", BCON_UTF8("EXPRESS"), "status",
                          BCON_UTF8("RUNNING"), "input", BCON_UTF8(input.c_str()), "startDate",
                          BCON_DATE_TIME(now)));
    if (auto st = mongo::InsertOne(Coll(c, kExecutions), exec.get(), nullptr); !st.ok()) {
      return InternalFailure(st.message());
    }
    engine::ExecutionInfo info{arn, exec_name, sm_arn, req->machine_name, sm_info.role, now,
                               *common::ParseJson(input)};
    RunExpressAsync([this, arn, info = std::move(info), machine = sm_info.machine,
                     test_case]() mutable {
      runtime::ExpressRunner runner(dispatchers(info.state_machine_name, test_case), clock);
      runtime::RunResult result =
          runner.Run(machine, std::move(info), runtime::RunOptions{false, 0, false});
      mongo::Client c = pool.Acquire();
      BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
      BsonPtr set(BCON_NEW("status", BCON_UTF8(engine::ExecutionStatusName(result.status)),
                           "stopDate", BCON_DATE_TIME(clock.Now())));
      if (result.status == engine::ExecutionStatus::kSucceeded) {
        BSON_APPEND_UTF8(set.get(), "output", common::SerializeJson(result.output).c_str());
      } else {
        BSON_APPEND_UTF8(set.get(), "error", result.error.c_str());
        BSON_APPEND_UTF8(set.get(), "cause", result.cause.c_str());
      }
      BsonPtr update(bson_new());
      BSON_APPEND_DOCUMENT(update.get(), "$set", set.get());
      (void)mongo::UpdateOne(Coll(c, kExecutions), filter.get(), update.get(), nullptr);
    });
    return json::object{{"executionArn", arn}, {"startDate", Seconds(now)}};
  }

  runtime::NewExecution request;
  request.execution_arn = common::FormatExecutionArn(options.arns, req->machine_name, exec_name);
  request.name = exec_name;
  request.state_machine_arn = sm_arn;
  request.state_machine_name = req->machine_name;
  request.revision = sm_info.revision;
  request.role_arn = sm_info.role;
  request.input = input;
  request.test_case = test_case;
  auto started = runner.StartExecution(request);
  if (auto* e = std::get_if<runtime::RunnerError>(&started)) return FromRunner(*e);
  return json::object{{"executionArn", request.execution_arn},
                      {"startDate", Seconds(std::get<runtime::StartOutcome>(started).start_date)}};
}

Reply StepFunctionsApi::Impl::StartSyncExecution(const Params& p) {
  auto req = ReadStartRequest(p);
  if (!req.ok()) return std::move(req).error();
  const std::string& sm_arn = req->sm_arn;
  const std::string& test_case = req->test_case;
  const std::string& exec_name = req->name;
  const std::string& input = req->input;
  if (req->machine->type != "EXPRESS") {
    return MakeApiError(error_code::kStateMachineTypeNotSupported,
                        "This operation is not supported by this type of state machine");
  }
  std::shared_ptr<const asl::StateMachine> machine = req->machine->machine;
  const std::string& role = req->machine->role;
  std::string arn =
      common::FormatExpressExecutionArn(options.arns, req->machine_name, exec_name, RandomName());
  common::TimeMs now = clock.Now();
  engine::ExecutionInfo info{arn, exec_name, sm_arn, req->machine_name, role, now,
                             *common::ParseJson(input)};
  info.redrive_count.reset();
  runtime::ExpressRunner express(dispatchers(req->machine_name, test_case), clock);
  runtime::RunResult result =
      express.Run(machine, std::move(info), runtime::RunOptions{false, 0, false});
  json::object o{{"executionArn", arn},
                 {"stateMachineArn", sm_arn},
                 {"name", exec_name},
                 {"startDate", Seconds(now)},
                 {"stopDate", Seconds(clock.Now())},
                 {"status", engine::ExecutionStatusName(result.status)},
                 {"input", input},
                 {"inputDetails", json::object{{"included", true}}},
                 {"billingDetails",
                  json::object{{"billedMemoryUsedInMB", 64}, {"billedDurationInMilliseconds", 100}}}};
  if (result.status == engine::ExecutionStatus::kSucceeded) {
    o["output"] = common::SerializeJson(result.output);
    o["outputDetails"] = json::object{{"included", true}};
  } else {
    if (!result.error.empty()) o["error"] = result.error;
    if (!result.cause.empty()) o["cause"] = result.cause;
  }
  return o;
}

Reply StepFunctionsApi::Impl::StopExecution(const Params& p) {
  auto arn = RequireArn(p, "executionArn", common::ArnResourceType::kExecution);
  if (!arn.ok()) return std::move(arn).error();
  auto error = OptionalString(p, "error", 256);
  if (!error.ok()) return std::move(error).error();
  auto cause = OptionalString(p, "cause", 32768);
  if (!cause.ok()) return std::move(cause).error();
  auto stopped = runner.StopExecution(common::FormatArn(*arn), error->value_or(""),
                                      cause->value_or(""));
  if (auto* e = std::get_if<runtime::RunnerError>(&stopped)) return FromRunner(*e);
  return json::object{{"stopDate", Seconds(std::get<common::TimeMs>(stopped))}};
}

Reply StepFunctionsApi::Impl::DescribeExecution(const Params& p) {
  auto text = RequireString(p, "executionArn", common::kMaxArnLength);
  if (!text.ok()) return std::move(text).error();
  auto arn = common::ParseStatesArn(*text);
  if (!arn.ok()) return ArnOrNameError(arn.status());
  if (arn->type != common::ArnResourceType::kExecution &&
      arn->type != common::ArnResourceType::kExpressExecution) {
    return MakeApiError(error_code::kInvalidArn,
                        "Invalid Arn: 'Resource type not valid in this context: " +
                            std::string(common::ArnResourceTypeName(arn->type)) + "'");
  }
  std::string id = common::FormatArn(*arn);
  mongo::Client c = pool.Acquire();
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(id.c_str())));
  auto doc = mongo::FindOne(Coll(c, kExecutions), filter.get(), nullptr, nullptr);
  if (!doc.ok()) return InternalFailure(doc.status().message());
  if (!doc->has_value()) {
    return MakeApiError(error_code::kExecutionDoesNotExist,
                        "Execution Does Not Exist: '" + id + "'");
  }
  return DescribeDoc(doc->value().get());
}

Reply StepFunctionsApi::Impl::ListExecutions(const Params& p) {
  auto sm = RequireArn(p, "stateMachineArn", common::ArnResourceType::kStateMachine);
  if (!sm.ok()) return std::move(sm).error();
  std::string sm_arn = common::FormatArn(*sm);
  auto status = OptionalString(p, "statusFilter", 32);
  if (!status.ok()) return std::move(status).error();
  if (*status && **status != "RUNNING" && **status != "SUCCEEDED" && **status != "FAILED" &&
      **status != "TIMED_OUT" && **status != "ABORTED" && **status != "PENDING_REDRIVE") {
    json::value v(**status);
    return ConstraintViolation("statusFilter", &v,
                               "Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, "
                               "PENDING_REDRIVE, ABORTED, FAILED, RUNNING]");
  }
  auto size = PageSize(p);
  if (!size.ok()) return std::move(size).error();
  auto token = OptionalString(p, "nextToken", 3096, 1);
  if (!token.ok()) return std::move(token).error();
  mongo::Client c = pool.Acquire();
  if (auto exists = FindStateMachine(c, sm_arn); !exists.ok()) return std::move(exists).error();
  BsonPtr filter(BCON_NEW("sm", BCON_UTF8(sm_arn.c_str())));
  if (*status) BSON_APPEND_UTF8(filter.get(), "status", (*status)->c_str());
  std::int64_t skip = 0;
  if (*token) {
    auto decoded = DecodePageToken(**token);
    if (!decoded.ok()) return std::move(decoded).error();
    try {
      skip = std::stoll(*decoded);
    } catch (const std::exception&) {
      return MakeApiError(error_code::kInvalidToken, "Invalid Token: the nextToken is malformed");
    }
  }
  BsonPtr opts(BCON_NEW("sort", "{", "startDate", BCON_INT32(-1), "_id", BCON_INT32(1), "}",
                        "skip", BCON_INT64(skip), "limit", BCON_INT64(*size + 1), "projection",
                        "{", "input", BCON_INT32(0), "output", BCON_INT32(0), "key",
                        BCON_INT32(0), "}"));
  json::array list;
  bool more = false;
  mongo::DbStatus st =
      mongo::Find(Coll(c, kExecutions), filter.get(), opts.get(), nullptr, [&](const bson_t* d) {
        if (static_cast<std::int64_t>(list.size()) == *size) {
          more = true;
          return false;
        }
        json::object e{{"executionArn", mongo::GetString(d, "_id")},
                       {"stateMachineArn", sm_arn},
                       {"name", mongo::GetString(d, "name")},
                       {"status", mongo::GetString(d, "status")},
                       {"startDate", Seconds(mongo::GetDateMs(d, "startDate"))}};
        if (mongo::Has(d, "stopDate")) e["stopDate"] = Seconds(mongo::GetDateMs(d, "stopDate"));
        list.push_back(std::move(e));
        return true;
      });
  if (!st.ok()) return InternalFailure(st.message());
  json::object out{{"executions", std::move(list)}};
  if (more) out["nextToken"] = EncodePageToken(std::to_string(skip + *size));
  return out;
}

namespace {
// Drops the payloads from an event's details (includeExecutionData: false).
void StripData(json::object& event) {
  for (auto& [key, value] : event) {
    if (!value.is_object() || key.size() < 7 || !key.ends_with("Details")) continue;
    json::object& details = value.as_object();
    for (const char* field : {"input", "output", "parameters", "result", "cause"}) {
      details.erase(field);
    }
  }
}
}  // namespace

Reply StepFunctionsApi::Impl::GetExecutionHistory(const Params& p) {
  auto arn = RequireArn(p, "executionArn", common::ArnResourceType::kExecution);
  if (!arn.ok()) return std::move(arn).error();
  std::string id = common::FormatArn(*arn);
  auto size = PageSize(p);
  if (!size.ok()) return std::move(size).error();
  auto reverse = OptionalBool(p, "reverseOrder");
  if (!reverse.ok()) return std::move(reverse).error();
  auto include = OptionalBool(p, "includeExecutionData");
  if (!include.ok()) return std::move(include).error();
  auto token = OptionalString(p, "nextToken", 3096, 1);
  if (!token.ok()) return std::move(token).error();
  mongo::Client c = pool.Acquire();
  BsonPtr exists(BCON_NEW("_id", BCON_UTF8(id.c_str())));
  auto exec = mongo::FindOne(Coll(c, kExecutions), exists.get(), nullptr, nullptr);
  if (!exec.ok()) return InternalFailure(exec.status().message());
  if (!exec->has_value()) {
    return MakeApiError(error_code::kExecutionDoesNotExist,
                        "Execution Does Not Exist: '" + id + "'");
  }
  // History documents hold one step's events each, keyed by the step's first event id
  // (docs/serve.md). A page token is the id of the last event returned.
  bool backwards = reverse->value_or(false);
  std::int64_t after = 0;  // forward: ids > after; backwards: ids < after (0: no bound)
  if (*token) {
    auto decoded = DecodePageToken(**token);
    if (!decoded.ok()) return std::move(decoded).error();
    try {
      after = std::stoll(*decoded);
    } catch (const std::exception&) {
      return MakeApiError(error_code::kInvalidToken, "Invalid Token: the nextToken is malformed");
    }
  }
  std::string lo = id + "#", hi = id + "$";
  auto* coll = Coll(c, kHistory);
  if (after > 0 && !backwards) {
    // Start at the step document that holds event `after + 1`.
    std::string bound = runtime::SeqKey(id, after + 1);
    BsonPtr filter(BCON_NEW("_id", "{", "$gte", BCON_UTF8(lo.c_str()), "$lte",
                            BCON_UTF8(bound.c_str()), "}"));
    BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}", "projection", "{", "_id",
                          BCON_INT32(1), "}"));
    auto start = mongo::FindOne(coll, filter.get(), opts.get(), nullptr);
    if (!start.ok()) return InternalFailure(start.status().message());
    if (start->has_value()) lo = mongo::GetString(start->value().get(), "_id");
  } else if (after > 0) {
    hi = runtime::SeqKey(id, after);  // step documents starting before `after`
  }
  BsonPtr filter(BCON_NEW("_id", "{", "$gte", BCON_UTF8(lo.c_str()), "$lt", BCON_UTF8(hi.c_str()),
                          "}"));
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(backwards ? -1 : 1), "}"));
  json::array events;
  std::int64_t last = 0;
  bool more = false;
  common::Status bad;
  mongo::DbStatus st = mongo::Find(coll, filter.get(), opts.get(), nullptr, [&](const bson_t* d) {
    auto chunk = common::ParseJson(mongo::GetString(d, "j"));
    if (!chunk.ok() || !chunk->is_array()) {
      bad = common::Status::Internal("history document " + mongo::GetString(d, "_id") +
                                     " is corrupt");
      return false;
    }
    json::array& list = chunk->as_array();
    if (backwards) std::reverse(list.begin(), list.end());
    for (auto& event : list) {
      std::int64_t event_id = 0;
      if (!event.is_object() || !common::AsInt64(event.as_object()["id"], &event_id)) continue;
      if (after > 0 && (backwards ? event_id >= after : event_id <= after)) continue;
      if (static_cast<std::int64_t>(events.size()) == *size) {
        more = true;
        return false;
      }
      if (!include->value_or(true)) StripData(event.as_object());
      last = event_id;
      events.push_back(std::move(event));
    }
    return true;
  });
  if (!st.ok()) return InternalFailure(st.message());
  if (!bad.ok()) return InternalFailure(bad.message());
  json::object out{{"events", std::move(events)}};
  if (more) out["nextToken"] = EncodePageToken(std::to_string(last));
  return out;
}

}  // namespace tactus::api
