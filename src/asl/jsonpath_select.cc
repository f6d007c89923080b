// The selection walk: applies a path's segments to a document breadth-first over a frontier of
// borrowed pointers, so nothing is copied. Deep scans use an explicit stack, not recursion.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "asl/jsonpath_internal.h"

namespace tactus::asl::jsonpath_internal {
namespace {

// Work units (visited, tested or selected nodes) one Select may spend. Paths such as "$..*..*..*"
// or "$[0,0][0,0]..." grow their result exponentially; a 256 KiB payload (AWS's limit) has well
// under 100k nodes, so only such pathological paths reach this, and they stop instead of hanging.
constexpr std::size_t kMaxSelectWork = std::size_t{1} << 22;

}  // namespace

const json::value* SimpleChild(const Segment& seg, const json::value& node) {
  if (seg.kind == SegmentKind::kName) {
    const json::object* obj = node.if_object();
    return obj ? obj->if_contains(seg.names[0]) : nullptr;
  }
  const json::array* arr = node.if_array();
  if (!arr) return nullptr;
  std::int64_t i = seg.indices[0];
  const auto n = static_cast<std::int64_t>(arr->size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) return nullptr;
  return &(*arr)[static_cast<std::size_t>(i)];
}

void Selector::Run(const std::vector<Segment>& segments, std::size_t count,
                   const json::value& start, NodeList* out) {
  const json::value* node = &start;
  std::size_t i = 0;
  for (; i < count && IsSimple(segments[i]); ++i) {
    node = SimpleChild(segments[i], *node);
    if (!node) return;
  }
  if (i == count) {
    Emit(node, out);
    return;
  }
  NodeList frontier{node};
  NodeList next;
  for (; i < count; ++i) {
    NodeList* target = i + 1 == count ? out : &next;
    for (const json::value* n : frontier) {
      if (segments[i].deep) {
        ApplyDeep(segments[i], *n, target);
      } else {
        Apply(segments[i], *n, target);
      }
      if (exhausted_) break;
    }
    frontier.swap(next);
    next.clear();
    if (frontier.empty() && i + 1 < count) return;
  }
}

bool Selector::Spend() {
  if (work_ >= kMaxSelectWork) {
    exhausted_ = true;
    return false;
  }
  ++work_;
  return true;
}

void Selector::Emit(const json::value* v, NodeList* out) {
  if (Spend()) out->push_back(v);
}

void Selector::Apply(const Segment& seg, const json::value& node, NodeList* out) {
  switch (seg.kind) {
    case SegmentKind::kName:
    case SegmentKind::kNames:
      if (const json::object* obj = node.if_object()) {
        for (const std::string& name : seg.names) {
          if (const json::value* v = obj->if_contains(name)) Emit(v, out);
        }
      }
      return;
    case SegmentKind::kIndex:
    case SegmentKind::kIndices:
      if (const json::array* arr = node.if_array()) {
        const auto n = static_cast<std::int64_t>(arr->size());
        for (std::int64_t i : seg.indices) {
          if (i < 0) i += n;
          if (i >= 0 && i < n) Emit(&(*arr)[static_cast<std::size_t>(i)], out);
        }
      }
      return;
    case SegmentKind::kSlice:
      if (const json::array* arr = node.if_array()) ApplySlice(seg, *arr, out);
      return;
    case SegmentKind::kWildcard:
      if (const json::object* obj = node.if_object()) {
        for (const auto& kv : *obj) Emit(&kv.value(), out);
      } else if (const json::array* arr = node.if_array()) {
        for (const json::value& v : *arr) Emit(&v, out);
      }
      return;
    case SegmentKind::kFilter:
      // Jayway tests an array's elements, but an object itself.
      if (const json::array* arr = node.if_array()) {
        for (const json::value& v : *arr) {
          if (exhausted_) return;
          if (Test(*seg.filter, v)) Emit(&v, out);
        }
      } else if (node.is_object()) {
        if (Test(*seg.filter, node)) Emit(&node, out);
      }
      return;
  }
}

void Selector::ApplySlice(const Segment& seg, const json::array& arr, NodeList* out) {
  const auto n = static_cast<std::int64_t>(arr.size());
  const std::int64_t step = seg.step.value_or(1);
  if (step > 0) {
    std::int64_t lo = seg.start.value_or(0);
    std::int64_t hi = seg.end.value_or(n);
    lo = lo < 0 ? std::max<std::int64_t>(0, lo + n) : std::min(lo, n);
    hi = hi < 0 ? std::max<std::int64_t>(0, hi + n) : std::min(hi, n);
    for (std::int64_t i = lo; i < hi && !exhausted_; i += step) {
      Emit(&arr[static_cast<std::size_t>(i)], out);
    }
  } else {
    std::int64_t lo = seg.start.value_or(n - 1);
    std::int64_t hi = seg.end.has_value() ? *seg.end : -1;
    lo = lo < 0 ? std::max<std::int64_t>(-1, lo + n) : std::min(lo, n - 1);
    if (seg.end.has_value()) hi = hi < 0 ? std::max<std::int64_t>(-1, hi + n) : std::min(hi, n);
    for (std::int64_t i = lo; i > hi && !exhausted_; i += step) {
      Emit(&arr[static_cast<std::size_t>(i)], out);
    }
  }
}

void Selector::ApplyDeep(const Segment& seg, const json::value& node, NodeList* out) {
  std::vector<const json::value*> stack{&node};
  while (!stack.empty() && !exhausted_) {
    const json::value* n = stack.back();
    stack.pop_back();
    if (!Spend()) return;
    if (seg.kind == SegmentKind::kFilter) {
      if (n->is_object() && Test(*seg.filter, *n)) Emit(n, out);
    } else {
      Apply(seg, *n, out);
    }
    if (const json::object* obj = n->if_object()) {
      for (auto it = obj->end(); it != obj->begin();) {
        --it;
        if (it->value().is_structured()) stack.push_back(&it->value());
      }
    } else if (const json::array* arr = n->if_array()) {
      for (auto it = arr->end(); it != arr->begin();) {
        --it;
        if (it->is_structured()) stack.push_back(&*it);
      }
    }
  }
}

}  // namespace tactus::asl::jsonpath_internal
