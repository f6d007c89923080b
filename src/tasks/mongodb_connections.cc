#include "tasks/mongodb_connections.h"

#include "common/log.h"
#include "tasks/mongodb_task.h"

namespace tactus::tasks {

namespace {

// `text` with every occurrence of `secret` replaced by "****".
std::string Scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + 4)) {
    text.replace(at, secret.size(), "****");
  }
  return text;
}

std::string PasswordOf(const std::string& uri) {
  mongo::InitOnce();
  mongoc_uri_t* parsed = mongoc_uri_new_with_error(uri.c_str(), nullptr);
  if (!parsed) return "";
  const char* password = mongoc_uri_get_password(parsed);
  std::string out = password ? password : "";
  mongoc_uri_destroy(parsed);
  return out;
}

}  // namespace

// Whether a task failed because the server refused the connection's credentials.
static bool AuthenticationFailed(const TaskOutcome& outcome) {
  return !outcome.ok && (outcome.error == "MongoDB.AuthenticationFailed" ||
                         outcome.cause.find("uthentication failed") != std::string::npos);
}

ConnectionTaskDispatcher::ConnectionTaskDispatcher(mongo::Pool& own, ConnectionResolver resolver,
                                                   SecretUse use, const common::Clock* clock)
    : own_(own),
      resolver_(std::move(resolver)),
      use_(use),
      clock_(clock ? *clock : system_clock_) {}

bool ConnectionTaskDispatcher::Blocking(std::string_view resource) const {
  return IsMongoDbResource(resource);
}

common::Result<std::shared_ptr<mongo::Pool>> ConnectionTaskDispatcher::PoolFor(
    const std::string& uri) {
  std::lock_guard lock(mu_);
  auto it = pools_.find(uri);
  if (it != pools_.end()) return it->second;
  auto pool = mongo::Pool::Open(uri, kConnectionPoolSize);
  if (!pool.ok()) return pool.status();
  std::shared_ptr<mongo::Pool> shared(std::move(*pool));
  pools_.emplace(uri, shared);
  return shared;
}

TaskOutcome ConnectionTaskDispatcher::Invoke(const TaskRequest& request) {
  if (!IsMongoDbResource(request.resource)) {
    return TaskOutcome::Failure("States.Runtime",
                                "not a MongoDB task resource: '" + request.resource + "'");
  }
  std::optional<std::string> name = NamedConnection(&request.parameters);
  if (!name) {
    mongo::Client client = own_.Acquire();
    return RunMongoDbTask(client, nullptr, request.resource, request.parameters,
                          request.execution_arn, request.idempotency_key)
        .outcome;
  }
  auto versions =
      resolver_ ? resolver_(*name)
                : common::Result<std::optional<std::vector<ConnectionUriVersion>>>(std::nullopt);
  if (!versions.ok()) {
    return TaskOutcome::Failure("MongoDB.NetworkError", versions.status().message());
  }
  if (!*versions || (*versions)->empty()) {
    return TaskOutcome::Failure("MongoDB.ConnectionNotFound",
                                "Parameters.Connection: no connection named '" + *name + "'");
  }
  const std::vector<ConnectionUriVersion>& all = **versions;
  const ConnectionUriVersion& newest = all.front();
  common::TimeMs now = clock_.Now();
  common::TimeMs age = now - newest.created;
  if (use_.max_age_ms > 0 && age > use_.max_age_ms) {
    bool first;
    {
      std::lock_guard lock(mu_);
      first = warned_.insert({*name, newest.version}).second;
    }
    if (first) {
      common::Log(common::LogLevel::kWarning, "secrets",
                  "a connection's secret is past its maximum age; rotate it",
                  {{"connection", *name},
                   {"version", newest.version},
                   {"age_days", age / 86400000},
                   {"max_age_days", use_.max_age_ms / 86400000}});
    }
    if (use_.refuse_stale) {
      return TaskOutcome::Failure(
          "MongoDB.StaleSecret",
          "connection '" + *name + "': its secret (version " + std::to_string(newest.version) +
              ") is " + std::to_string(age / 86400000) + " days old, past the maximum of " +
              std::to_string(use_.max_age_ms / 86400000) +
              " days; rotate it: tactus connections rotate " + *name + " --uri ...");
    }
  }
  TaskOutcome outcome = RunOn(*name, newest.uri, request, all);
  if (AuthenticationFailed(outcome) && all.size() > 1 && age < use_.grace_ms) {
    // Rotated moments ago, perhaps before the server learned the new password: the previous
    // version is still valid for the grace period.
    common::Log(common::LogLevel::kInfo, "secrets",
                "newest secret version refused; using the previous one (grace period)",
                {{"connection", *name}, {"version", all[1].version}});
    outcome = RunOn(*name, all[1].uri, request, all);
  }
  return outcome;
}

TaskOutcome ConnectionTaskDispatcher::RunOn(const std::string& name, const std::string& uri,
                                            const TaskRequest& request,
                                            const std::vector<ConnectionUriVersion>& versions) {
  auto scrub = [&](std::string text) {
    for (const auto& v : versions) text = Scrub(std::move(text), PasswordOf(v.uri));
    return text;
  };
  auto pool = PoolFor(uri);
  if (!pool.ok()) {
    return TaskOutcome::Failure("MongoDB.InvalidConnection",
                                "connection '" + name + "': " + scrub(pool.status().message()));
  }
  mongo::Client client = (*pool)->Acquire();
  TaskOutcome outcome = RunMongoDbTask(client, nullptr, request.resource, request.parameters,
                                       request.execution_arn, request.idempotency_key)
                            .outcome;
  if (!outcome.ok) outcome.cause = scrub(std::move(outcome.cause));
  return outcome;
}

}  // namespace tactus::tasks
