#include "engine/history.h"

#include <cctype>

#include "engine/resource.h"

namespace tactus::engine {
namespace {

// "TaskStateEntered" -> "stateEnteredEventDetails" is decided by the caller's key; this turns an
// event type into its details key: "ExecutionStarted" -> "executionStartedEventDetails".
std::string DetailsKey(std::string_view type) {
  // AWS groups all <Type>StateEntered/Exited events under stateEntered/stateExited details.
  if (type.ends_with("StateEntered")) return "stateEnteredEventDetails";
  if (type.ends_with("StateExited")) return "stateExitedEventDetails";
  if (type.starts_with("MapIteration")) {
    return "mapIteration" + std::string(type.substr(12)) + "EventDetails";
  }
  std::string key(type);
  key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
  return key + "EventDetails";
}

json::object PayloadDetails() { return json::object{{"truncated", false}}; }

void AddResource(json::object& d, const std::string& resource) {
  auto [type, name] = SplitResource(resource);
  if (!type.empty()) d["resourceType"] = type;
  d["resource"] = name;
}

}  // namespace

json::value MakeHistoryEvent(std::string_view type, std::int64_t id, std::int64_t previous_id,
                             common::TimeMs at, json::object details) {
  json::object e{{"timestamp", static_cast<double>(at) / 1000.0},
                 {"type", type},
                 {"id", id},
                 {"previousEventId", previous_id}};
  if (!details.empty()) e[DetailsKey(type)] = std::move(details);
  return e;
}

json::object ExecutionStartedDetails(const json::value& input, const std::string& role_arn) {
  return {{"input", common::SerializeJson(input)},
          {"inputDetails", PayloadDetails()},
          {"roleArn", role_arn}};
}

json::object ExecutionSucceededDetails(const json::value& output) {
  return {{"output", common::SerializeJson(output)}, {"outputDetails", PayloadDetails()}};
}

json::object ErrorDetails(const std::string& error, const std::string& cause) {
  json::object d;
  if (!error.empty()) d["error"] = error;
  if (!cause.empty()) d["cause"] = cause;
  return d;
}

json::object StateEnteredDetails(const std::string& name, const json::value& input) {
  return {{"name", name},
          {"input", common::SerializeJson(input)},
          {"inputDetails", PayloadDetails()}};
}

json::object StateExitedDetails(const std::string& name, const json::value& output,
                                const json::object& assigned) {
  json::object d{{"name", name},
                 {"output", common::SerializeJson(output)},
                 {"outputDetails", PayloadDetails()}};
  if (!assigned.empty()) {
    json::object vars;
    for (const auto& kv : assigned) vars[kv.key()] = common::SerializeJson(kv.value());
    d["assignedVariables"] = std::move(vars);
    d["assignedVariablesDetails"] = PayloadDetails();
  }
  return d;
}

json::object TaskScheduledDetails(const std::string& resource, const json::value& parameters,
                                  std::optional<std::int64_t> timeout,
                                  std::optional<std::int64_t> heartbeat) {
  json::object d;
  AddResource(d, resource);
  d["region"] = "us-east-1";
  d["parameters"] = common::SerializeJson(parameters);
  if (timeout) d["timeoutInSeconds"] = *timeout;
  if (heartbeat) d["heartbeatInSeconds"] = *heartbeat;
  return d;
}

json::object TaskStartedDetails(const std::string& resource) {
  json::object d;
  AddResource(d, resource);
  return d;
}

json::object TaskSucceededDetails(const std::string& resource, const json::value& output) {
  json::object d;
  AddResource(d, resource);
  d["output"] = common::SerializeJson(output);
  d["outputDetails"] = PayloadDetails();
  return d;
}

json::object TaskFailedDetails(const std::string& resource, const std::string& error,
                               const std::string& cause) {
  json::object d = ErrorDetails(error, cause);
  AddResource(d, resource);
  return d;
}

json::object MapStateStartedDetails(std::size_t length) { return {{"length", length}}; }

json::object MapIterationDetails(const std::string& name, std::size_t index) {
  return {{"name", name}, {"index", index}};
}

}  // namespace tactus::engine
