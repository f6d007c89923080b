#include <iostream>
#include <utility>

#include "asl/validator.h"
#include "cli/commands.h"
#include "common/file.h"
#include "common/json.h"

namespace tactus::cli {

bool ReadFile(const std::string& path, std::string* out) {
  auto content = common::ReadFile(path);
  if (!content.ok()) {
    std::cerr << "tactus: " << content.status().message() << "\n";
    return false;
  }
  *out = std::move(content).value();
  return true;
}

void RegisterValidate(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("validate", "Check a state machine definition (ASL) statically");
  static std::string file, format = "text";
  cmd->add_option("FILE", file, "Definition file (JSON)")->required();
  cmd->add_option("--format", format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([exit_code]() {
    std::string text;
    if (!ReadFile(file, &text)) {
      *exit_code = 2;
      return;
    }
    auto diagnostics = asl::ValidateDefinitionText(text);
    if (format == "json") {
      boost::json::array list;
      for (const auto& d : diagnostics) {
        list.push_back(boost::json::object{
            {"code", d.code}, {"location", d.location}, {"message", d.message}});
      }
      boost::json::object out{{"result", diagnostics.empty() ? "OK" : "FAIL"},
                              {"diagnostics", std::move(list)}};
      std::cout << common::SerializeJson(out) << "\n";
    } else if (diagnostics.empty()) {
      std::cout << file << ": valid\n";
    } else {
      for (const auto& d : diagnostics) {
        std::cout << file << ": " << d.code << " at " << (d.location.empty() ? "/" : d.location)
                  << ": " << d.message << "\n";
      }
    }
    *exit_code = diagnostics.empty() ? 0 : 1;
  });
}

}  // namespace tactus::cli
