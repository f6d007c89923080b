// Every definition AWS accepted must validate cleanly.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "asl/validator.h"
#include "asl/validator_test_util.h"
#include "common/file.h"
#include "common/json.h"

namespace tactus::asl {
namespace {

using namespace testing;  // NOLINT: test helpers

// Every definition AWS accepted (recorded conformance cases) must validate cleanly.
TEST(ValidatorTest, AcceptsEveryAwsAcceptedDefinition) {
  namespace fs = std::filesystem;
  const fs::path dir = TACTUS_CONFORMANCE_DIR;
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance cases at " << dir;
  int checked = 0;
  std::string failures;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    auto text = common::ReadFile(entry.path().string());
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    auto parsed = common::ParseJson(*text);
    ASSERT_TRUE(parsed.ok()) << entry.path() << ": " << parsed.status().ToString();
    const boost::json::object* test_case = parsed->if_object();
    ASSERT_NE(test_case, nullptr) << entry.path();
    const boost::json::value* category = test_case->if_contains("category");
    const boost::json::value* definition = test_case->if_contains("definition");
    if (category == nullptr || definition == nullptr) continue;
    std::string_view name = category->is_string() ? std::string_view(category->get_string()) : "";
    if (name.ends_with("_jsonata")) continue;
    if (common::SerializeJson(*definition).find("\"JSONata\"") != std::string::npos) continue;
    ++checked;
    auto diagnostics = ValidateDefinition(*definition);
    if (!diagnostics.empty()) {
      failures += entry.path().filename().string() + ":\n" + Describe(diagnostics);
    }
  }
  EXPECT_GT(checked, 0);
  EXPECT_TRUE(failures.empty()) << failures;
}

}  // namespace
}  // namespace tactus::asl
