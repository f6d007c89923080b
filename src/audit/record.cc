#include "audit/record.h"

#include <algorithm>
#include <utility>

namespace tactus::audit {

std::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kApi:
      return "api";
    case RecordKind::kTransition:
      return "transition";
    case RecordKind::kTransitions:
      return "transitions";
    case RecordKind::kData:
      return "data";
  }
  return "api";
}

Record Record::Api(common::TimeMs time, std::string producer, const ApiRecord& r) {
  json::object f;
  f["principal"] = r.principal;
  f["sourceIp"] = r.source_ip;
  f["action"] = r.action;
  f["resource"] = r.resource;
  f["decision"] = r.decision;
  f["statement"] = r.statement;
  f["requestId"] = r.request_id;
  f["outcome"] = r.outcome;
  return {RecordKind::kApi, time, std::move(producer), std::move(f)};
}

Record Record::Transition(common::TimeMs time, std::string producer, const TransitionRecord& r) {
  json::array events;
  events.reserve(r.events.size());
  for (const TransitionEvent& e : r.events) {
    json::object o;
    o["type"] = e.type;
    if (!e.state.empty()) o["state"] = e.state;
    if (!e.error.empty()) o["error"] = e.error;
    if (!e.cause.empty()) o["cause"] = e.cause;
    events.emplace_back(std::move(o));
  }
  json::object f;
  f["execution"] = r.execution;
  f["stateMachine"] = r.state_machine;
  f["events"] = std::move(events);
  return {RecordKind::kTransition, time, std::move(producer), std::move(f)};
}

Record Record::Transitions(common::TimeMs time, std::string producer,
                           const std::vector<Record>& steps) {
  json::array list;
  list.reserve(steps.size());
  for (const Record& step : steps) list.emplace_back(step.fields);
  json::object f;
  f["steps"] = std::move(list);
  return {RecordKind::kTransitions, time, std::move(producer), std::move(f)};
}

Record Record::Data(common::TimeMs time, std::string producer, const DataRecord& r) {
  std::size_t listed = std::min(r.ids.size(), kMaxDataIds);
  json::array ids(r.ids.begin(), r.ids.begin() + static_cast<std::ptrdiff_t>(listed));
  json::object f;
  f["execution"] = r.execution;
  f["namespace"] = r.ns;
  f["operation"] = r.operation;
  f["role"] = r.role;
  f["count"] = r.count;
  f["ids"] = std::move(ids);
  f["idsTruncated"] = r.ids_truncated || r.ids.size() > kMaxDataIds;
  return {RecordKind::kData, time, std::move(producer), std::move(f)};
}

std::string IdKey(const json::value& id) { return common::SerializeJson(id); }

}  // namespace tactus::audit
