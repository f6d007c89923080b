// Builders for history events in AWS's GetExecutionHistory shape:
//   {"timestamp": <epoch seconds>, "type": "...", "id": N, "previousEventId": M,
//    "<lowerCamelType>EventDetails": {...}}
// Inputs and outputs inside details are JSON text, as AWS returns them.
//
// Every builder allocates from `sp`: an execution builds its whole history in one monotonic
// arena, which the events keep alive (json::make_shared_resource) wherever they are moved.
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
                             common::TimeMs at, json::object details, const json::storage_ptr& sp);

json::object ExecutionStartedDetails(const json::value& input, const std::string& role_arn,
                                     const json::storage_ptr& sp);
json::object ExecutionSucceededDetails(const json::value& output, const json::storage_ptr& sp);
json::object ErrorDetails(const std::string& error, const std::string& cause,
                          const json::storage_ptr& sp);
// `*_json` arguments are the serialized JSON text.
json::object StateEnteredDetails(const std::string& name, std::string input_json,
                                 const json::storage_ptr& sp);
json::object StateExitedDetails(const std::string& name, std::string output_json,
                                const json::object& assigned, const json::storage_ptr& sp);
json::object TaskScheduledDetails(const std::string& resource, const json::value& parameters,
                                  std::optional<std::int64_t> timeout,
                                  std::optional<std::int64_t> heartbeat,
                                  const json::storage_ptr& sp);
json::object TaskStartedDetails(const std::string& resource, const json::storage_ptr& sp);
json::object TaskSucceededDetails(const std::string& resource, std::string output_json,
                                  const json::storage_ptr& sp);
json::object TaskFailedDetails(const std::string& resource, const std::string& error,
                               const std::string& cause, const json::storage_ptr& sp);
json::object MapStateStartedDetails(std::size_t length, const json::storage_ptr& sp);
json::object MapIterationDetails(const std::string& name, std::size_t index,
                                 const json::storage_ptr& sp);

}  // namespace tactus::engine
