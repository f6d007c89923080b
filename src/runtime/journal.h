// The journal's event encoding (docs/serve.md): engine events as compact JSON text, and back.
#pragma once

#include <string>
#include <variant>

#include "common/status.h"
#include "engine/types.h"

namespace tactus::runtime {

// The execution's first entry: Start() rather than Handle().
struct StartEvent {};
using JournalEvent = std::variant<StartEvent, engine::Event>;

std::string EncodeEvent(const JournalEvent& event);
// Fails on text that EncodeEvent did not produce.
common::Result<JournalEvent> DecodeEvent(std::string_view text);

}  // namespace tactus::runtime
