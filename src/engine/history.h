// Builders for history events in AWS's GetExecutionHistory shape:
//   {"timestamp": <epoch seconds>, "type": "...", "id": N, "previousEventId": M,
//    "<lowerCamelType>EventDetails": {...}}
// Inputs and outputs inside details are JSON text, as AWS returns them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/json.h"

namespace tactus::engine {

namespace json = boost::json;

// `details` may be empty, in which case no details field is written.
json::value MakeHistoryEvent(std::string_view type, std::int64_t id, std::int64_t previous_id,
                             common::TimeMs at, json::object details);

json::object ExecutionStartedDetails(const json::value& input, const std::string& role_arn);
json::object ExecutionSucceededDetails(const json::value& output);
json::object ErrorDetails(const std::string& error, const std::string& cause);
json::object StateEnteredDetails(const std::string& name, const json::value& input);
json::object StateExitedDetails(const std::string& name, const json::value& output,
                                const json::object& assigned);
json::object TaskScheduledDetails(const std::string& resource, const json::value& parameters,
                                  std::optional<std::int64_t> timeout,
                                  std::optional<std::int64_t> heartbeat);
json::object TaskStartedDetails(const std::string& resource);
json::object TaskSucceededDetails(const std::string& resource, const json::value& output);
json::object TaskFailedDetails(const std::string& resource, const std::string& error,
                               const std::string& cause);
json::object MapStateStartedDetails(std::size_t length);
json::object MapIterationDetails(const std::string& name, std::size_t index);

}  // namespace tactus::engine
