// Validation of BSON documents received from the network, safe on hostile bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tactus::docdb::wire {

// Checks that the `len` bytes at `data` are exactly one well-formed BSON document: consistent
// lengths and terminators, known element types, nesting (documents, arrays, code-with-scope)
// no deeper than `max_depth` (the top-level document is depth 1).
//
// The structural walk is iterative, and libbson's recursive validation runs only after the depth
// is known to be bounded, so a 48 MB message of nested documents cannot exhaust the stack.
// Returns an empty string when the document is valid, else a short reason for the error message.
// Thread-safe.
std::string CheckWireBson(const std::uint8_t* data, std::size_t len, int max_depth);

// The structural walk of CheckWireBson alone, without libbson's validation of every value
// (UTF-8 and the like): for a document already checked as part of its message, or built by
// docdb, whose nesting must meet a lower bound (a stored document's 100 levels). Same result
// format; safe on any bytes, but it does not catch what only bson_validate does.
std::string CheckBsonNesting(const std::uint8_t* data, std::size_t len, int max_depth);

}  // namespace tactus::docdb::wire
