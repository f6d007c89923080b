#include "runtime/journal.h"

#include "common/json.h"

namespace tactus::runtime {

namespace json = boost::json;

std::string EncodeEvent(const JournalEvent& event) {
  json::object o;
  if (std::holds_alternative<StartEvent>(event)) {
    o["k"] = "start";
    return common::SerializeJson(o);
  }
  const engine::Event& e = std::get<engine::Event>(event);
  if (auto* ok = std::get_if<engine::TaskSucceeded>(&e)) {
    o["k"] = "ok";
    o["task"] = ok->task_id;
    o["out"] = ok->output;
  } else if (auto* fail = std::get_if<engine::TaskFailed>(&e)) {
    o["k"] = "fail";
    o["task"] = fail->task_id;
    o["error"] = fail->error;
    o["cause"] = fail->cause;
  } else if (auto* beat = std::get_if<engine::TaskHeartbeat>(&e)) {
    o["k"] = "beat";
    o["task"] = beat->task_id;
  } else if (auto* started = std::get_if<engine::TaskStarted>(&e)) {
    o["k"] = "started";
    o["task"] = started->task_id;
    o["worker"] = started->worker_name;
  } else if (auto* timer = std::get_if<engine::TimerFired>(&e)) {
    o["k"] = "timer";
    o["timer"] = timer->timer_id;
  } else if (auto* stop = std::get_if<engine::StopRequested>(&e)) {
    o["k"] = "stop";
    o["error"] = stop->error;
    o["cause"] = stop->cause;
  }
  return common::SerializeJson(o);
}

common::Result<JournalEvent> DecodeEvent(std::string_view text) {
  auto parsed = common::ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return common::Status::InvalidArgument("journal event is not an object");
  const json::object& o = parsed->as_object();
  auto str = [&](const char* k) -> std::string {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  bool malformed = false;
  auto num = [&](const char* k) -> std::int64_t {
    std::int64_t n = 0;
    auto* v = o.if_contains(k);
    if (!v || !common::AsInt64(*v, &n)) malformed = true;
    return n;
  };
  std::string kind = str("k");
  if (kind == "ok" || kind == "fail" || kind == "beat" || kind == "started") num("task");
  if (kind == "timer") num("timer");
  if (kind == "ok" && !o.contains("out")) malformed = true;
  if (malformed) {
    return common::Status::InvalidArgument("journal event '" + kind +
                                           "' lacks an integer task/timer id or its output");
  }
  if (kind == "start") return JournalEvent(StartEvent{});
  if (kind == "ok") {
    auto* out = o.if_contains("out");
    return JournalEvent(engine::Event(engine::TaskSucceeded{num("task"), out ? *out : nullptr}));
  }
  if (kind == "fail") {
    return JournalEvent(engine::Event(engine::TaskFailed{num("task"), str("error"), str("cause")}));
  }
  if (kind == "beat") return JournalEvent(engine::Event(engine::TaskHeartbeat{num("task")}));
  if (kind == "started") {
    return JournalEvent(engine::Event(engine::TaskStarted{num("task"), str("worker")}));
  }
  if (kind == "timer") return JournalEvent(engine::Event(engine::TimerFired{num("timer")}));
  if (kind == "stop") {
    return JournalEvent(engine::Event(engine::StopRequested{str("error"), str("cause")}));
  }
  return common::Status::InvalidArgument("unknown journal event kind '" + kind + "'");
}

}  // namespace tactus::runtime
