// libFuzzer target: any bytes given to the validator yield diagnostics, never a crash or a hang.
// Inputs past the 1 MiB definition limit and nesting past common::kMaxJsonDepth must come back as
// one INVALID_JSON_DESCRIPTION diagnostic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "asl/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<tactus::asl::Diagnostic> diagnostics = tactus::asl::ValidateDefinitionText(text);
  for (const tactus::asl::Diagnostic& d : diagnostics) {
    // Every diagnostic must be actionable: a code and a message, and a location that is either
    // the whole document or an RFC 6901 pointer.
    if (d.code.empty() || d.message.empty() || (!d.location.empty() && d.location[0] != '/')) {
      std::abort();
    }
  }
  return 0;
}
