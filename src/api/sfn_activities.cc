// Activities, activity workers' long polls, and task results (SendTask*).
#include "api/sfn_internal.h"

namespace tactus::api {

using mongo::BsonPtr;

Reply StepFunctionsApi::Impl::CreateActivity(const Params& p) {
  auto name = RequireString(p, "name", common::kMaxResourceNameChars);
  if (!name.ok()) return std::move(name).error();
  if (auto st = common::ValidateResourceName(*name); !st.ok()) return ArnOrNameError(st);
  std::string arn = common::FormatActivityArn(options.arns, *name);
  common::TimeMs now = clock.Now();
  std::string tags = "[]";
  if (auto* t = p.if_contains("tags"); t && t->is_array()) tags = common::SerializeJson(*t);
  mongo::Client c = pool.Acquire();
  BsonPtr doc(BCON_NEW("_id", BCON_UTF8(arn.c_str()), "name", BCON_UTF8(name->c_str()),
                       "createdAt", BCON_DATE_TIME(now), "tags", BCON_UTF8(tags.c_str())));
  mongo::DbStatus st = mongo::InsertOne(Coll(c, kActivities), doc.get(), nullptr);
  if (st.duplicate_key()) {
    // Idempotent, as AWS: the existing activity's ARN and creation date.
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
    auto existing = mongo::FindOne(Coll(c, kActivities), filter.get(), nullptr, nullptr);
    if (existing.ok() && existing->has_value()) {
      now = mongo::GetDateMs(existing->value().get(), "createdAt");
    }
  } else if (!st.ok()) {
    return InternalFailure(st.message());
  }
  return json::object{{"activityArn", arn}, {"creationDate", Seconds(now)}};
}

static ApiResult<BsonPtr> FindActivity(StepFunctionsApi::Impl& x, mongo::Client& c,
                                       const Params& p, std::string* arn) {
  auto parsed = RequireArn(p, "activityArn", common::ArnResourceType::kActivity);
  if (!parsed.ok()) return std::move(parsed).error();
  *arn = common::FormatArn(*parsed);
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn->c_str())));
  auto doc = mongo::FindOne(x.Coll(c, kActivities), filter.get(), nullptr, nullptr);
  if (!doc.ok()) return InternalFailure(doc.status().message());
  if (!doc->has_value()) {
    return MakeApiError(error_code::kActivityDoesNotExist,
                        "Activity Does Not Exist: '" + *arn + "'");
  }
  return std::move(doc->value());
}

Reply StepFunctionsApi::Impl::DescribeActivity(const Params& p) {
  mongo::Client c = pool.Acquire();
  std::string arn;
  auto doc = FindActivity(*this, c, p, &arn);
  if (!doc.ok()) return std::move(doc).error();
  return json::object{{"activityArn", arn},
                      {"name", mongo::GetString(doc->get(), "name")},
                      {"creationDate", Seconds(mongo::GetDateMs(doc->get(), "createdAt"))}};
}

Reply StepFunctionsApi::Impl::ListActivities(const Params& p) {
  return ListById(p, kActivities, "activities", [](const bson_t* d) {
    return json::object{{"activityArn", mongo::GetString(d, "_id")},
                        {"name", mongo::GetString(d, "name")},
                        {"creationDate", Seconds(mongo::GetDateMs(d, "createdAt"))}};
  });
}

Reply StepFunctionsApi::Impl::DeleteActivity(const Params& p) {
  auto parsed = RequireArn(p, "activityArn", common::ArnResourceType::kActivity);
  if (!parsed.ok()) return std::move(parsed).error();
  std::string arn = common::FormatArn(*parsed);
  mongo::Client c = pool.Acquire();
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
  mongo::DbStatus st = mongo::DeleteOne(Coll(c, kActivities), filter.get(), nullptr);
  if (!st.ok()) return InternalFailure(st.message());
  return json::object{};
}

void StepFunctionsApi::Impl::GetActivityTask(const Params& p, ActionCallback respond) {
  std::string arn;
  {
    mongo::Client c = pool.Acquire();
    auto doc = FindActivity(*this, c, p, &arn);
    if (!doc.ok()) return respond(std::move(doc).error());
  }
  auto worker = OptionalString(p, "workerName", common::kMaxResourceNameChars, 1);
  if (!worker.ok()) return respond(std::move(worker).error());
  auto poll = std::make_shared<ActivityPoll>();
  poll->activity = arn;
  poll->worker = worker->value_or("");
  poll->deadline = clock.Now() + options.activity_poll_seconds * 1000;
  poll->respond = std::move(respond);
  if (TryAnswer(*poll)) return;
  runner.OnActivityTask(arn, [this] { polls_cv.notify_all(); });
  std::unique_lock lock(polls_mu);
  if (polls_stop) {
    lock.unlock();
    return poll->respond(json::object{});  // draining: no new long polls
  }
  polls.push_back(std::move(poll));
  polls_cv.notify_all();
}

bool StepFunctionsApi::Impl::TryAnswer(ActivityPoll& poll) {
  auto claimed = runner.ClaimActivityTask(poll.activity, poll.worker);
  if (auto* e = std::get_if<runtime::RunnerError>(&claimed)) {
    poll.respond(FromRunner(*e));
    return true;
  }
  auto& task = std::get<std::optional<std::pair<std::string, std::string>>>(claimed);
  if (task) {
    poll.respond(json::object{{"taskToken", task->first}, {"input", task->second}});
    return true;
  }
  if (clock.Now() >= poll.deadline) {
    poll.respond(json::object{});
    return true;
  }
  return false;
}

void StepFunctionsApi::Impl::PollLoop() {
  std::unique_lock lock(polls_mu);
  while (!polls_stop) {
    polls_cv.wait_for(lock, std::chrono::milliseconds(kActivityRecheckMs));
    if (polls_stop) break;
    auto pending = std::move(polls);
    polls.clear();
    lock.unlock();
    std::vector<std::shared_ptr<ActivityPoll>> still;
    for (auto& poll : pending) {
      if (!TryAnswer(*poll)) still.push_back(std::move(poll));
    }
    lock.lock();
    for (auto& poll : still) polls.push_back(std::move(poll));
  }
  // Shutting down: every waiting worker gets an empty answer at once.
  for (auto& poll : polls) poll->respond(json::object{});
  polls.clear();
}

Reply StepFunctionsApi::Impl::SendTaskSuccess(const Params& p) {
  auto token = RequireString(p, "taskToken", 1024);
  if (!token.ok()) return std::move(token).error();
  auto output = RequireString(p, "output", kMaxInputBytes, 0);
  if (!output.ok()) return std::move(output).error();
  auto parsed = common::ParseJson(*output);
  if (!parsed.ok()) {
    return MakeApiError(error_code::kInvalidOutput,
                        "Invalid output: not valid JSON: " + parsed.status().message());
  }
  auto sent = runner.SendTaskSuccess(*token, std::move(*parsed));
  if (auto* e = std::get_if<runtime::RunnerError>(&sent)) return FromRunner(*e);
  return json::object{};
}

Reply StepFunctionsApi::Impl::SendTaskFailure(const Params& p) {
  auto token = RequireString(p, "taskToken", 1024);
  if (!token.ok()) return std::move(token).error();
  auto error = OptionalString(p, "error", 256);
  if (!error.ok()) return std::move(error).error();
  auto cause = OptionalString(p, "cause", 32768);
  if (!cause.ok()) return std::move(cause).error();
  auto sent = runner.SendTaskFailure(*token, error->value_or(""), cause->value_or(""));
  if (auto* e = std::get_if<runtime::RunnerError>(&sent)) return FromRunner(*e);
  return json::object{};
}

Reply StepFunctionsApi::Impl::SendTaskHeartbeat(const Params& p) {
  auto token = RequireString(p, "taskToken", 1024);
  if (!token.ok()) return std::move(token).error();
  auto sent = runner.SendTaskHeartbeat(*token);
  if (auto* e = std::get_if<runtime::RunnerError>(&sent)) return FromRunner(*e);
  return json::object{};
}

}  // namespace tactus::api
