#include "tasks/mongodb_connections.h"

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

ConnectionTaskDispatcher::ConnectionTaskDispatcher(mongo::Pool& own, ConnectionResolver resolver)
    : own_(own), resolver_(std::move(resolver)) {}

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
  auto uri = resolver_ ? resolver_(*name)
                       : common::Result<std::optional<std::string>>(std::optional<std::string>());
  if (!uri.ok()) return TaskOutcome::Failure("MongoDB.NetworkError", uri.status().message());
  if (!*uri) {
    return TaskOutcome::Failure("MongoDB.ConnectionNotFound",
                                "Parameters.Connection: no connection named '" + *name + "'");
  }
  std::string secret = PasswordOf(**uri);
  auto pool = PoolFor(**uri);
  if (!pool.ok()) {
    return TaskOutcome::Failure("MongoDB.InvalidConnection",
                                "connection '" + *name + "': " +
                                    Scrub(pool.status().message(), secret));
  }
  mongo::Client client = (*pool)->Acquire();
  TaskOutcome outcome = RunMongoDbTask(client, nullptr, request.resource, request.parameters,
                                       request.execution_arn, request.idempotency_key)
                            .outcome;
  if (!outcome.ok) outcome.cause = Scrub(std::move(outcome.cause), secret);
  return outcome;
}

}  // namespace tactus::tasks
