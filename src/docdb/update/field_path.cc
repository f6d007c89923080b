#include "docdb/update/field_path.h"

#include <algorithm>

namespace tactus::docdb::update {

bool FieldPath::HasPositional() const {
  return std::any_of(parts.begin(), parts.end(),
                     [](const Component& c) { return c.kind != ComponentKind::kField; });
}

bool FieldPath::HasArrayPositional() const {
  return std::any_of(parts.begin(), parts.end(), [](const Component& c) {
    return c.kind == ComponentKind::kAllPositional || c.kind == ComponentKind::kFiltered;
  });
}

std::vector<std::string> SplitDotted(std::string_view dotted) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = dotted.find('.', start);
    out.emplace_back(
        dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool ParseIndex(std::string_view name, std::size_t* index) {
  if (name.empty() || name.size() > 18) return false;
  if (name.size() > 1 && name[0] == '0') return false;
  std::size_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  *index = v;
  return true;
}

DbResult<FieldPath> ParseUpdatePath(std::string_view dotted) {
  if (dotted.empty()) return MakeError(kEmptyFieldName, "An empty update path is not valid.");
  FieldPath path;
  path.dotted = std::string(dotted);
  int positional_count = 0;
  // Most paths are one field name: no list of parts to split into.
  std::vector<std::string> parts;
  if (dotted.find('.') == std::string_view::npos) {
    parts.emplace_back(dotted);
  } else {
    parts = SplitDotted(dotted);
  }
  path.parts.reserve(parts.size());
  for (std::string& part : parts) {
    if (part.empty()) {
      return MakeError(kEmptyFieldName,
                       "The update path '" + path.dotted +
                           "' contains an empty field name, which is not allowed.");
    }
    Component c;
    if (part == "$") {
      c.kind = ComponentKind::kPositional;
      ++positional_count;
    } else if (part == "$[]") {
      c.kind = ComponentKind::kAllPositional;
    } else if (part.size() > 3 && part.starts_with("$[") && part.back() == ']') {
      c.kind = ComponentKind::kFiltered;
      c.name = part.substr(2, part.size() - 3);
    } else if (part[0] == '$') {
      return MakeError(kDollarPrefixedFieldName, "The dollar ($) prefixed field '" + part +
                                                     "' in '" + path.dotted +
                                                     "' is not valid for storage.");
    } else {
      c.name = std::move(part);
    }
    if (c.kind != ComponentKind::kField && path.parts.empty()) {
      return MakeError(kBadValue,
                       "Cannot have positional (i.e. '$') element in the first "
                       "position in path '" +
                           path.dotted + "'");
    }
    path.parts.push_back(std::move(c));
  }
  if (positional_count > 1) {
    return MakeError(kBadValue,
                     "Too many positional (i.e. '$') elements found in path '" + path.dotted + "'");
  }
  return path;
}

namespace {

// A part as written in its path; `scratch` holds the text of a $[id] part.
std::string_view PartText(const Component& c, std::string& scratch) {
  switch (c.kind) {
    case ComponentKind::kField:
      return c.name;
    case ComponentKind::kPositional:
      return "$";
    case ComponentKind::kAllPositional:
      return "$[]";
    case ComponentKind::kFiltered:
      scratch = "$[" + c.name + "]";
      return scratch;
  }
  return c.name;
}

}  // namespace

int ComparePaths(const FieldPath& a, const FieldPath& b) {
  std::size_t n = std::min(a.parts.size(), b.parts.size());
  std::string a_scratch, b_scratch;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view x = PartText(a.parts[i], a_scratch), y = PartText(b.parts[i], b_scratch);
    std::size_t xi, yi;
    if (ParseIndex(x, &xi) && ParseIndex(y, &yi)) {
      if (xi != yi) return xi < yi ? -1 : 1;
      continue;
    }
    int c = x.compare(y);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (a.parts.size() == b.parts.size()) return 0;
  return a.parts.size() < b.parts.size() ? -1 : 1;
}

std::optional<std::string> ConflictAt(const FieldPath& a, const FieldPath& b) {
  std::size_t n = std::min(a.parts.size(), b.parts.size());
  std::string a_scratch, b_scratch;
  for (std::size_t i = 0; i < n; ++i) {
    if (PartText(a.parts[i], a_scratch) != PartText(b.parts[i], b_scratch)) return std::nullopt;
  }
  return a.parts.size() <= b.parts.size() ? a.dotted : b.dotted;
}

}  // namespace tactus::docdb::update
