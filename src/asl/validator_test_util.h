// Helpers shared by the validator tests: diagnostics as text, assertions on them, and checks of a
// whole definition, a States object or a single state.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "asl/validator.h"

namespace tactus::asl::testing {

inline std::string Describe(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const Diagnostic& d : diagnostics) {
    text += "  " + d.code + " at '" + d.location + "': " + d.message + "\n";
  }
  return text.empty() ? "  (none)\n" : text;
}

// True when some diagnostic has this code and location and a message containing `fragment`.
inline ::testing::AssertionResult Has(const std::vector<Diagnostic>& diagnostics,
                                      std::string_view code, std::string_view location,
                                      std::string_view fragment) {
  for (const Diagnostic& d : diagnostics) {
    if (d.code == code && d.location == location && d.message.find(fragment) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no " << code << " at '" << location << "' mentioning '" << fragment << "'; got:\n"
         << Describe(diagnostics);
}

inline ::testing::AssertionResult Clean(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected no diagnostics; got:\n"
                                       << Describe(diagnostics);
}

inline std::vector<Diagnostic> Check(std::string_view text) { return ValidateDefinitionText(text); }

// A machine whose StartAt is "A" with the given States object.
inline std::vector<Diagnostic> CheckStates(const std::string& states) {
  return Check(R"({"StartAt": "A", "States": )" + states + "}");
}

// One state "A" (the given JSON object) that must stand alone.
inline std::vector<Diagnostic> CheckState(const std::string& state) {
  return CheckStates(R"({"A": )" + state + "}");
}

}  // namespace tactus::asl::testing
