// What the commands over Tactus's own REST routes share (`tactus schedules|triggers|connections|
// functions`, api/control_api.h): one collection per kind, calls that print the answer as
// indented JSON, paging, and read-modify-write of a definition.
//
// Exit codes as every remote command (remote.h): 0 success, 1 an API or connection error (the
// server's message on stderr), 2 a usage error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cli/remote.h"

namespace tactus::cli {

// A kind's REST collection and the member its list answers hold the items in.
struct Collection {
  std::string_view path;      // "/v1/triggers"
  std::string_view list_key;  // "Triggers"
  std::int64_t page_size;     // the largest MaxResults the route takes
};

inline constexpr Collection kSchedulesCollection{"/schedules", "Schedules", 100};
inline constexpr Collection kTriggersCollection{"/v1/triggers", "Triggers", 1000};
inline constexpr Collection kConnectionsCollection{"/v1/connections", "Connections", 1000};
inline constexpr Collection kFunctionsCollection{"/v1/functions", "Functions", 1000};

// `method` on the collection's NAME (POST creates, GET reads, PUT replaces, DELETE deletes),
// with `body` when given; prints the answer. Returns the exit code.
int RestAndPrint(const RemoteOptions& options, const Collection& collection,
                 std::string_view method, const std::string& name,
                 const json::object* body = nullptr);

// Every item of every page of the collection's list; nullopt after reporting the error.
std::optional<json::array> ListAll(const RemoteOptions& options, const Collection& collection);
// Every page of the collection's list; prints {"<list_key>": [...every item...]}.
int ListAndPrint(const RemoteOptions& options, const Collection& collection);

// Reads NAME, lets `edit` change what GET answered (false: a usage error, already reported, exit
// code 2), PUTs it back (the server ignores the read-only members) and prints the answer.
int ModifyAndPrint(const RemoteOptions& options, const Collection& collection,
                   const std::string& name, const std::function<bool(json::object&)>& edit);

// Parses JSON text given to an option (`what` names the option in the message); "@PATH" reads the
// file. False, with a message on stderr, when it cannot be read or is not JSON.
bool ParseJsonOption(const std::string& text, std::string_view what, json::value* out);

}  // namespace tactus::cli
