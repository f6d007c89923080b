// Parallel and Map: starting child frames, collecting their results and failures, and the
// tolerated-failure rules.
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/execution_impl.h"
#include "engine/history.h"

namespace tactus::engine {

using asl::Failure;
using asl::State;
using asl::StateType;

namespace {

// AWS reads *Path numbers from numeric strings too ("1" is 1); anything else stays as is.
json::value NumberFromText(const json::value& v) {
  if (!v.is_string()) return v;
  auto parsed = common::ParseJson(v.get_string());
  if (parsed.ok() && common::IsNumber(*parsed)) return std::move(parsed).value();
  return v;
}

}  // namespace

void Execution::Impl::ExecuteParallel(Frame& f) {
  const State& s = *f.state;
  json::value input;
  if (s.parameters) {
    auto r = ApplyTemplate(f, *s.parameters, Effective(f));
    if (!r.ok()) return HandleError(f, r.failure());
    input = std::move(r).value();
  } else {
    input = Effective(f);
  }
  Emit(&f, "ParallelStateStarted", [] { return json::object(); });
  f.children.clear();
  f.results.assign(s.branches.size(), json::value());
  f.finished = f.failures = 0;
  f.phase = Frame::Phase::kWaitChildren;
  std::vector<std::int64_t> started;
  for (std::size_t i = 0; i < s.branches.size(); ++i) {
    Frame& child = NewFrame(f.id, i, s.branches[i].get(), f.vars);
    child.last_event_id = f.last_event_id;
    child.pending_state = s.branches[i]->start_at;
    child.pending_input = input;
    f.children.push_back(child.id);
    started.push_back(child.id);
  }
  for (auto it = started.rbegin(); it != started.rend(); ++it) ready.push_front(*it);
  if (s.branches.empty()) CompleteChildren(f);
}

// Resolves MaxConcurrency(Path), ToleratedFailureCount(Path), ToleratedFailurePercentage(Path).
// *before_start tells whether a failure concerns MaxConcurrency, which AWS reports before the
// Map starts (the tolerated-failure settings fail after MapStateStarted).
std::optional<Failure> Execution::Impl::ResolveMapSettings(Frame& f, bool* before_start) {
  *before_start = true;
  const State& s = *f.state;
  auto resolve = [&](const asl::NumberOrPath& n, const char* field, bool is_float,
                     json::value* out) -> std::optional<Failure> {
    if (n.literal) {
      *out = *n.literal;
      return std::nullopt;
    }
    if (!n.path) return std::nullopt;
    auto v = n.path->Evaluate(Scope(f, Effective(f)));
    if (!v) return NoResults(f, *n.path);
    json::value number = NumberFromText(*v);
    std::int64_t i;
    bool valid = is_float ? common::IsNumber(number) : common::AsInt64(number, &i);
    if (!valid) {
      return RuntimeError(f, std::string("The ") + field + "Path field refers to value \"" +
                                 Display(*v) + "\" which is not a valid " +
                                 (is_float ? "float" : "integer") + ": " + n.path->text());
    }
    *out = std::move(number);
    return std::nullopt;
  };
  json::value mc, count, pct;
  if (auto e = resolve(s.max_concurrency, "MaxConcurrency", false, &mc)) return e;
  std::int64_t n = 0;
  f.max_concurrency = common::AsInt64(mc, &n) ? n : 0;
  if (f.max_concurrency < 0) return RuntimeError(f, "MaxConcurrency cannot be negative.");
  *before_start = false;
  if (auto e = resolve(s.tolerated_failure_count, "ToleratedFailureCount", false, &count)) {
    return e;
  }
  if (auto e = resolve(s.tolerated_failure_percentage, "ToleratedFailurePercentage", true, &pct)) {
    return e;
  }
  f.tolerated_count.reset();
  f.tolerated_percentage.reset();
  if (!count.is_null()) {
    if (!common::AsInt64(count, &n)) n = 0;
    if (n < 0) return RuntimeError(f, "ToleratedFailureCount cannot be negative.");
    f.tolerated_count = n;
  }
  if (!pct.is_null()) {
    double p = common::ToDouble(pct);
    if (p < 0 || p > 100) {
      return RuntimeError(f, "ToleratedFailurePercentage must be between 0 and 100.");
    }
    f.tolerated_percentage = p;
  }
  return std::nullopt;
}

void Execution::Impl::ExecuteMap(Frame& f) {
  const State& s = *f.state;
  json::value items_value;
  if (s.items_path) {
    auto v = s.items_path->Evaluate(Scope(f, Effective(f)));
    if (!v) return HandleError(f, NoResults(f, *s.items_path));
    items_value = std::move(*v);
  } else {
    items_value = Effective(f);
  }
  if (!items_value.is_array()) {
    return HandleError(f, RuntimeError(f, "Map state input must be an array, but was: " +
                                              common::SerializeJson(items_value)));
  }
  bool before_start = false;
  auto settings_error = ResolveMapSettings(f, &before_start);
  if (settings_error && before_start) return HandleError(f, *settings_error);
  Emit(&f, "MapStateStarted",
       [&] { return MapStateStartedDetails(items_value.as_array().size(), history_sp); });
  if (settings_error) return HandleError(f, *settings_error);
  if (s.distributed) Emit(&f, "MapRunStarted", [] { return json::object(); });
  f.items = std::move(items_value.as_array());
  f.children.clear();
  f.results.assign(f.items.size(), json::value());
  f.next_item = f.running = f.finished = f.failures = 0;
  f.phase = Frame::Phase::kWaitChildren;
  if (f.items.empty()) return CompleteChildren(f);
  PumpMap(f);
}

// Starts iterations while below MaxConcurrency. Iterations run when the ready queue reaches
// them, so a long Map never recurses.
void Execution::Impl::PumpMap(Frame& f) {
  const State& s = *f.state;
  std::vector<std::int64_t> started;
  while (f.next_item < f.items.size() &&
         (f.max_concurrency == 0 || f.running < static_cast<std::size_t>(f.max_concurrency))) {
    std::size_t index = f.next_item++;
    json::value input = f.items[index];
    if (s.parameters) {
      auto scope = Scope(f, Effective(f));
      context.get_object()["Map"] =
          json::object{{"Item", json::object{{"Index", index}, {"Value", f.items[index]}}}};
      auto r = s.parameters->Apply(scope, random);
      context.get_object().erase("Map");
      if (!r.ok()) {
        Failure failure = r.failure();
        if (failure.error == asl::kStatesRuntime) failure = RuntimeError(f, failure.cause);
        AbortChildren(f);
        return HandleError(f, failure, EndOfChildren(f, false));
      }
      input = std::move(r).value();
    }
    Frame& child = NewFrame(f.id, index, s.iterator.get(), f.vars);
    ++f.running;
    child.last_event_id = f.last_event_id;
    Emit(&child, "MapIterationStarted",
         [&] { return MapIterationDetails(s.name, index, history_sp); });
    child.pending_state = s.iterator->start_at;
    child.pending_input = std::move(input);
    f.children.push_back(child.id);
    started.push_back(child.id);
  }
  for (auto it = started.rbegin(); it != started.rend(); ++it) ready.push_front(*it);
}

// With both limits set, exceeding either one fails the Map (AWS's rule for failure thresholds).
bool Execution::Impl::ExceedsTolerance(const Frame& f) const {
  if (!f.tolerated_count && !f.tolerated_percentage) return true;
  if (f.tolerated_count && static_cast<std::int64_t>(f.failures) > *f.tolerated_count) {
    return true;
  }
  return f.tolerated_percentage && 100.0 * f.failures / f.items.size() > *f.tolerated_percentage;
}

void Execution::Impl::ChildDone(Frame& parent, std::size_t slot, json::value* output,
                                const Failure* failure) {
  bool is_map = parent.state->type == StateType::kMap;
  ++parent.finished;
  if (is_map) --parent.running;
  if (failure) {
    if (is_map) {
      if (!parent.state->distributed) {
        Emit(&parent, "MapIterationFailed",
             [&] { return MapIterationDetails(parent.state->name, slot, history_sp); });
      }
      ++parent.failures;
      if (failure->error != asl::kStatesRuntime && !ExceedsTolerance(parent)) {
        parent.results[slot] = ErrorOutput(*failure);
      } else {
        AbortChildren(parent);
        bool tolerance_set = parent.tolerated_count || parent.tolerated_percentage;
        if (tolerance_set && failure->error != asl::kStatesRuntime) {
          return HandleError(parent,
                             Failure{asl::kStatesExceedToleratedFailureThreshold,
                                     "The specified tolerance threshold was exceeded"},
                             EndOfChildren(parent, false));
        }
        return HandleError(parent, *failure, EndOfChildren(parent, false));
      }
    } else {
      AbortChildren(parent);
      return HandleError(parent, *failure, EndOfChildren(parent, false));
    }
  } else {
    if (is_map && !parent.state->distributed) {
      Emit(&parent, "MapIterationSucceeded",
           [&] { return MapIterationDetails(parent.state->name, slot, history_sp); });
    }
    parent.results[slot] = std::move(*output);
  }
  std::size_t total = is_map ? parent.items.size() : parent.state->branches.size();
  if (parent.finished == total) return CompleteChildren(parent);
  if (is_map) PumpMap(parent);
}

void Execution::Impl::CompleteChildren(Frame& f) {
  for (auto id : f.children) frames.erase(id);
  f.children.clear();
  for (const auto& e : EndOfChildren(f, true)) Emit(&f, e, [] { return json::object(); });
  json::array results(std::make_move_iterator(f.results.begin()),
                      std::make_move_iterator(f.results.end()));
  f.results.clear();
  f.items.clear();
  json::value result(std::move(results));
  if (f.state->result_selector) {
    auto r = ApplyTemplate(f, *f.state->result_selector, result);
    if (!r.ok()) return HandleError(f, r.failure());
    result = std::move(r).value();
  }
  f.phase = Frame::Phase::kExecute;
  FinishState(f, std::move(result));
}

// Stops every descendant: their tasks and timers are cancelled and their frames dropped.
void Execution::Impl::AbortChildren(Frame& f) {
  for (auto id : f.children) {
    auto it = frames.find(id);
    if (it == frames.end()) continue;
    Frame& child = it->second;
    AbortChildren(child);
    if (child.task_id) {
      actions.push_back(CancelTask{child.task_id});
      EndTaskWait(child);
    }
    CancelTimerIfAny(child.timer_id);
    frames.erase(it);
  }
  f.children.clear();
  std::erase_if(ready, [this](std::int64_t id) { return !frames.count(id); });
}

// Events that close a Parallel or Map state's children: "MapRunFailed MapStateFailed", ...
std::vector<std::string> Execution::Impl::EndOfChildren(const Frame& f, bool succeeded) {
  const char* outcome = succeeded ? "Succeeded" : "Failed";
  if (f.state->type == StateType::kParallel) {
    // AWS's recorded histories show ParallelStateFailed but no ParallelStateSucceeded.
    if (succeeded) return {};
    return {"ParallelStateFailed"};
  }
  std::vector<std::string> events;
  if (f.state->distributed) events.push_back(std::string("MapRun") + outcome);
  events.push_back(std::string("MapState") + outcome);
  return events;
}

}  // namespace tactus::engine
