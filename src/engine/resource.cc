#include "engine/resource.h"

#include <vector>

namespace tactus::engine {
namespace {

std::vector<std::string_view> SplitColons(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(':', start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

std::string Prefix(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kLambda:
      return "LambdaFunction";
    case ResourceKind::kActivity:
      return "Activity";
    case ResourceKind::kService:
      break;
  }
  return "Task";
}

}  // namespace

ResourceKind ClassifyResource(std::string_view resource) {
  auto parts = SplitColons(resource);
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function") {
    return ResourceKind::kLambda;
  }
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity") {
    return ResourceKind::kActivity;
  }
  return ResourceKind::kService;
}

bool IsCallbackResource(std::string_view resource) {
  return resource.ends_with(".waitForTaskToken");
}

std::pair<std::string, std::string> SplitResource(std::string_view resource) {
  auto parts = SplitColons(resource);
  // arn : partition : states : (empty region) : (empty account) : service [: service2] : action
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[3].empty() &&
      parts[4].empty()) {
    std::string type(parts[5]);
    for (std::size_t i = 6; i + 1 < parts.size(); ++i) type += ":" + std::string(parts[i]);
    return {type, std::string(parts.back())};
  }
  return {"", std::string(resource)};
}

std::string ScheduledEventType(ResourceKind kind) { return Prefix(kind) + "Scheduled"; }
std::string StartedEventType(ResourceKind kind) { return Prefix(kind) + "Started"; }
std::string SucceededEventType(ResourceKind kind) { return Prefix(kind) + "Succeeded"; }
std::string FailedEventType(ResourceKind kind) { return Prefix(kind) + "Failed"; }
std::string TimedOutEventType(ResourceKind kind) { return Prefix(kind) + "TimedOut"; }

}  // namespace tactus::engine
