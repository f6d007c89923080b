// JSONPath with Jayway's semantics (what AWS Step Functions runs).
//
// A path is parsed once into a vector of segments. Selection walks the document breadth-first
// over a frontier of borrowed pointers, so nothing is copied until Evaluate builds its result.
// Recursion is bounded everywhere: the parser caps filter nesting at kMaxFilterNesting, deep scans
// use an explicit stack, and evaluation only recurses as deep as the parsed filters nest.
//
// The pieces: jsonpath_internal.h (the parsed form and the Selector), jsonpath_parse.cc and
// jsonpath_parse_filter.cc (the Parser, jsonpath_parser.h), jsonpath_select.cc (the walk) and
// jsonpath_filter.cc (filter evaluation). This file is the public API over them.
#include "asl/jsonpath.h"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asl/jsonpath_internal.h"
#include "asl/jsonpath_parser.h"

namespace tactus::asl {
namespace {

using common::Result;
using common::Status;
using jsonpath_internal::IsSimple;
using jsonpath_internal::NodeList;
using jsonpath_internal::Parser;
using jsonpath_internal::Segment;
using jsonpath_internal::SegmentKind;
using jsonpath_internal::Selector;
using jsonpath_internal::SimpleChild;

void AppendNormalized(const Segment& seg, std::string* out) {
  if (seg.deep) *out += "..";
  switch (seg.kind) {
    case SegmentKind::kName:
    case SegmentKind::kNames:
      *out += '[';
      for (std::size_t i = 0; i < seg.names.size(); ++i) {
        if (i > 0) *out += ',';
        *out += '\'';
        *out += seg.names[i];
        *out += '\'';
      }
      *out += ']';
      return;
    case SegmentKind::kIndex:
    case SegmentKind::kIndices:
      *out += '[';
      for (std::size_t i = 0; i < seg.indices.size(); ++i) {
        if (i > 0) *out += ',';
        *out += std::to_string(seg.indices[i]);
      }
      *out += ']';
      return;
    case SegmentKind::kSlice:
      *out += '[';
      if (seg.start) *out += std::to_string(*seg.start);
      *out += ':';
      if (seg.end) *out += std::to_string(*seg.end);
      if (seg.step) *out += ':' + std::to_string(*seg.step);
      *out += ']';
      return;
    case SegmentKind::kWildcard:
      *out += "[*]";
      return;
    case SegmentKind::kFilter:
      *out += "[?]";
      return;
  }
}

// Jayway's leaf ['a','b']: one object holding whichever of the members exist.
json::value Merge(const Segment& seg, const json::object& obj) {
  json::object merged;
  for (const std::string& name : seg.names) {
    if (const json::value* v = obj.if_contains(name)) merged[name] = *v;
  }
  return merged;
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  auto impl = std::make_shared<Impl>();
  impl->text = std::string(text);
  Parser parser(text);
  if (Status s = parser.ParsePath(impl.get()); !s.ok()) return s;
  const std::vector<Segment>& segs = impl->segments;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Segment& seg = segs[i];
    impl->simple &= IsSimple(seg);
    const bool last = i + 1 == segs.size();
    if (last && !seg.deep && seg.kind == SegmentKind::kNames) {
      impl->merge_last = true;
    } else if (!IsSimple(seg)) {
      impl->definite = false;
    }
    if (!IsSimple(seg) || (seg.kind == SegmentKind::kIndex && seg.indices[0] < 0)) {
      impl->reference = false;
    }
  }
  return JsonPath(std::move(impl));
}

const std::string& JsonPath::text() const { return impl_->text; }
PathRoot JsonPath::root() const { return impl_->root; }

const std::string& JsonPath::variable() const {
  assert(impl_->root == PathRoot::kVariable);
  return impl_->variable;
}

bool JsonPath::IsDefinite() const { return impl_->definite; }
bool JsonPath::IsReferencePath() const { return impl_->reference; }

void JsonPath::Select(const json::value& root, std::vector<const json::value*>* out) const {
  Selector selector(root);
  selector.Run(impl_->segments, impl_->segments.size(), root, out);
}

std::optional<json::value> JsonPath::Evaluate(const json::value& root) const {
  const std::vector<Segment>& segs = impl_->segments;
  if (impl_->simple) {
    const json::value* node = &root;
    for (const Segment& seg : segs) {
      node = SimpleChild(seg, *node);
      if (!node) return std::nullopt;
    }
    return *node;
  }
  NodeList matches;
  Selector selector(root);
  if (impl_->merge_last) {
    selector.Run(segs, segs.size() - 1, root, &matches);
    if (impl_->definite) {
      if (matches.empty() || !matches[0]->is_object()) return std::nullopt;
      return Merge(segs.back(), matches[0]->get_object());
    }
    json::array result;
    for (const json::value* m : matches) {
      if (m->is_object()) result.push_back(Merge(segs.back(), m->get_object()));
    }
    return json::value(std::move(result));
  }
  selector.Run(segs, segs.size(), root, &matches);
  json::array result;
  result.reserve(matches.size());
  for (const json::value* m : matches) result.push_back(*m);
  return json::value(std::move(result));
}

const json::value* JsonPath::ResolveRoot(const PathScope& scope) const {
  switch (impl_->root) {
    case PathRoot::kInput:
      return scope.input;
    case PathRoot::kContext:
      return scope.context;
    case PathRoot::kVariable:
      return scope.variables ? scope.variables->if_contains(impl_->variable) : nullptr;
  }
  return nullptr;
}

std::optional<json::value> JsonPath::Evaluate(const PathScope& scope) const {
  const json::value* root = ResolveRoot(scope);
  if (!root) return std::nullopt;
  return Evaluate(*root);
}

std::string JsonPath::NormalizedText() const {
  std::string out = "$";
  if (impl_->root == PathRoot::kVariable) out += impl_->variable;
  for (const Segment& seg : impl_->segments) AppendNormalized(seg, &out);
  return out;
}

Status JsonPath::Assign(json::value* root, json::value v) const {
  assert(impl_->reference && impl_->root == PathRoot::kInput);
  if (!impl_->reference || impl_->root != PathRoot::kInput) {
    return Status::InvalidArgument("cannot assign to '" + impl_->text +
                                   "': not a reference path on the state input");
  }
  const std::vector<Segment>& segs = impl_->segments;
  // Validate first so that a failed assignment leaves *root untouched.
  std::string prefix = "$";
  const json::value* node = root;
  for (std::size_t i = 0; i < segs.size() && node; ++i) {
    const Segment& seg = segs[i];
    const bool by_name = seg.kind == SegmentKind::kName;
    const bool fits = by_name ? node->is_object()
                              : node->is_array() && static_cast<std::uint64_t>(seg.indices[0]) <
                                                        node->get_array().size();
    if (!fits) {
      std::string why = by_name ? std::string(common::JsonKindName(*node)) + ", not an object"
                        : node->is_array()
                            ? "an array without index " + std::to_string(seg.indices[0])
                            : std::string(common::JsonKindName(*node)) + ", not an array";
      return Status::InvalidArgument("cannot assign to path '" + impl_->text + "': '" + prefix +
                                     "' is " + why);
    }
    const json::value* child = SimpleChild(seg, *node);
    AppendNormalized(seg, &prefix);
    if (!child) {
      // Missing members are created as objects, which cannot be indexed.
      for (std::size_t j = i + 1; j < segs.size(); ++j) {
        if (segs[j].kind != SegmentKind::kName) {
          return Status::InvalidArgument("cannot assign to path '" + impl_->text + "': '" + prefix +
                                         "' does not exist");
        }
      }
    }
    node = child;
  }
  json::value* target = root;
  for (const Segment& seg : segs) {
    if (seg.kind == SegmentKind::kIndex) {
      target = &target->as_array()[static_cast<std::size_t>(seg.indices[0])];
      continue;
    }
    json::object& obj = target->as_object();
    if (&seg == &segs.back()) {
      target = &obj[seg.names[0]];
    } else if (auto it = obj.find(seg.names[0]); it != obj.end()) {
      target = &it->value();
    } else {
      target = &obj.emplace(seg.names[0], json::object()).first->value();
    }
  }
  *target = std::move(v);
  return Status::Ok();
}

}  // namespace tactus::asl
