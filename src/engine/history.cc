#include "engine/history.h"

#include <cctype>

#include "engine/resource.h"

namespace tactus::engine {
namespace {

// The details key of an event type: "ExecutionStarted" -> "executionStartedEventDetails".
// AWS groups all <Type>StateEntered/Exited events under stateEntered/stateExited details.
std::string DetailsKey(std::string_view type) {
  if (type.ends_with("StateEntered")) return "stateEnteredEventDetails";
  if (type.ends_with("StateExited")) return "stateExitedEventDetails";
  if (type.starts_with("MapIteration")) {
    return "mapIteration" + std::string(type.substr(12)) + "EventDetails";
  }
  std::string key(type);
  key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
  return key + "EventDetails";
}

json::object PayloadDetails(const json::storage_ptr& sp) {
  return json::object({{"truncated", false}}, sp);
}

void AddResource(json::object& d, const std::string& resource) {
  auto [type, name] = SplitResource(resource);
  if (!type.empty()) d["resourceType"] = type;
  d["resource"] = name;
}

}  // namespace

json::value MakeHistoryEvent(std::string_view type, std::int64_t id, std::int64_t previous_id,
                             common::TimeMs at, json::object details, const json::storage_ptr& sp) {
  json::object e(sp);
  e.reserve(5);
  e["timestamp"] = static_cast<double>(at) / 1000.0;
  e["type"] = type;
  e["id"] = id;
  e["previousEventId"] = previous_id;
  if (!details.empty()) e[DetailsKey(type)] = std::move(details);
  return e;
}

json::object ExecutionStartedDetails(const json::value& input, const std::string& role_arn,
                                     const json::storage_ptr& sp) {
  json::object d(sp);
  d["input"] = common::SerializeJson(input);
  d["inputDetails"] = PayloadDetails(sp);
  d["roleArn"] = role_arn;
  return d;
}

json::object ExecutionSucceededDetails(const json::value& output, const json::storage_ptr& sp) {
  json::object d(sp);
  d["output"] = common::SerializeJson(output);
  d["outputDetails"] = PayloadDetails(sp);
  return d;
}

json::object ErrorDetails(const std::string& error, const std::string& cause,
                          const json::storage_ptr& sp) {
  json::object d(sp);
  if (!error.empty()) d["error"] = error;
  if (!cause.empty()) d["cause"] = cause;
  return d;
}

json::object StateEnteredDetails(const std::string& name, std::string input_json,
                                 const json::storage_ptr& sp) {
  json::object d(sp);
  d.reserve(3);
  d["name"] = name;
  d["input"] = input_json;
  d["inputDetails"] = PayloadDetails(sp);
  return d;
}

json::object StateExitedDetails(const std::string& name, std::string output_json,
                                const json::object& assigned, const json::storage_ptr& sp) {
  json::object d(sp);
  d.reserve(5);
  d["name"] = name;
  d["output"] = output_json;
  d["outputDetails"] = PayloadDetails(sp);
  if (!assigned.empty()) {
    json::object vars(sp);
    for (const auto& kv : assigned) vars[kv.key()] = common::SerializeJson(kv.value());
    d["assignedVariables"] = std::move(vars);
    d["assignedVariablesDetails"] = PayloadDetails(sp);
  }
  return d;
}

json::object TaskScheduledDetails(const std::string& resource, const json::value& parameters,
                                  std::optional<std::int64_t> timeout,
                                  std::optional<std::int64_t> heartbeat,
                                  const json::storage_ptr& sp) {
  json::object d(sp);
  AddResource(d, resource);
  d["region"] = "us-east-1";
  d["parameters"] = common::SerializeJson(parameters);
  if (timeout) d["timeoutInSeconds"] = *timeout;
  if (heartbeat) d["heartbeatInSeconds"] = *heartbeat;
  return d;
}

json::object TaskStartedDetails(const std::string& resource, const json::storage_ptr& sp) {
  json::object d(sp);
  AddResource(d, resource);
  return d;
}

json::object TaskSucceededDetails(const std::string& resource, std::string output_json,
                                  const json::storage_ptr& sp) {
  json::object d(sp);
  AddResource(d, resource);
  d["output"] = output_json;
  d["outputDetails"] = PayloadDetails(sp);
  return d;
}

json::object TaskFailedDetails(const std::string& resource, const std::string& error,
                               const std::string& cause, const json::storage_ptr& sp) {
  json::object d = ErrorDetails(error, cause, sp);
  AddResource(d, resource);
  return d;
}

json::object MapStateStartedDetails(std::size_t length, const json::storage_ptr& sp) {
  return json::object({{"length", length}}, sp);
}

json::object MapIterationDetails(const std::string& name, std::size_t index,
                                 const json::storage_ptr& sp) {
  return json::object({{"name", name}, {"index", index}}, sp);
}

}  // namespace tactus::engine
