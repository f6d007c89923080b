// `tactus policy suggest DEFINITION`: the least-privilege identity policy of a definition's
// execution role (docs/auth.md, "Policy suggestions").
#include <iostream>

#include "asl/validator.h"
#include "cli/commands.h"
#include "cli/policy_suggest.h"
#include "common/json.h"

namespace tactus::cli {

void RegisterPolicy(CLI::App& app, int* exit_code) {
  auto* policy = app.add_subcommand("policy", "Execution role policies");
  policy->require_subcommand(1);
  auto* suggest = policy->add_subcommand(
      "suggest",
      "Print the least-privilege policy a definition's execution role needs (JSON on stdout; "
      "what is computed at run time, on stderr)");
  static std::string file, role_name, region = "us-east-1", account = "123456789012";
  suggest->add_option("DEFINITION", file, "Definition file (ASL JSON)")->required();
  suggest->add_option("--role-name", role_name,
                      "Also print the tactus iam commands that give this role the policy");
  suggest->add_option("--region", region, "Region of Lambda function ARNs built from names")
      ->capture_default_str();
  suggest->add_option("--account", account, "Account of Lambda function ARNs built from names")
      ->capture_default_str();
  suggest->callback([exit_code]() {
    std::string text;
    if (!ReadFile(file, &text)) {
      *exit_code = 2;
      return;
    }
    auto diagnostics = asl::ValidateDefinitionText(text);
    if (!diagnostics.empty()) {
      for (const auto& d : diagnostics) {
        std::cerr << file << ": " << d.code << " at " << (d.location.empty() ? "/" : d.location)
                  << ": " << d.message << "\n";
      }
      *exit_code = 1;
      return;
    }
    tasks::PermissionContext context;
    context.region = region;
    context.account = account;
    auto suggestion = SuggestPolicy(*common::ParseJson(text), context);
    if (!suggestion.ok()) {
      std::cerr << "tactus policy suggest: " << suggestion.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << common::SerializePrettyJson(suggestion->policy) << "\n";
    for (const auto& note : suggestion->notes) std::cerr << "note: " << note << "\n";
    if (!role_name.empty()) {
      std::cerr << "to apply (policy saved as policy.json):\n"
                << "  tactus iam create-role " << role_name
                << " --trust-policy '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                   "\"Allow\",\"Principal\":{\"Service\":\"states.amazonaws.com\"},\"Action\":"
                   "\"sts:AssumeRole\"}]}'\n"
                << "  tactus iam put-role-policy " << role_name
                << " suggested --document policy.json\n";
    }
    *exit_code = 0;
  });
}

}  // namespace tactus::cli
