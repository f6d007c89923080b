// Text output of the remote commands: aligned tables, "key: value" lists, times and one-line
// excerpts of JSON. Pure except the Print* functions, which write to the given stream.
#pragma once

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tactus::cli {

namespace json = boost::json;

// Columns padded to their widest cell, separated by two spaces; the last column is not padded.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// "key:   value" lines, the values aligned. Pairs with an empty value are skipped.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// An API timestamp (epoch seconds, fractional) as local time "2024-05-01 12:00:00.123"; "" when
// `value` is not a number.
std::string FormatTimestamp(const json::value* value);

// `text` on one line (newlines and tabs become spaces), cut to `max_chars` bytes with "..." at
// the end when longer.
std::string OneLine(std::string_view text, std::size_t max_chars);

// The string member `key` of `o`, or "" when absent or not a string.
std::string Str(const json::object& o, std::string_view key);

// JSON text (as the API returns inputs and outputs) pretty-printed; the text as is when it does
// not parse.
std::string PrettyJsonText(std::string_view text);

// The interesting detail of a GetExecutionHistory event, on one line: the state's name for
// state events, "error: cause" for failures, the resource for tasks, the output or input for
// the execution's events, else the details in compact JSON (cut to `max_chars`).
std::string EventDetail(const json::object& event, std::size_t max_chars);

}  // namespace tactus::cli
