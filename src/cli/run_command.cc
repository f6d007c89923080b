#include <filesystem>
#include <iostream>

#include "asl/model.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "runtime/express_runner.h"
#include "tasks/mock.h"
#include "tasks/unconfigured.h"

namespace tactus::cli {
namespace {

struct RunArgs {
  std::string file, input = "{}", name, execution_name, mock_config, test_case;
  bool history = false, fast_timers = false;
};

int Run(const RunArgs& args) {
  std::string definition;
  if (!ReadFile(args.file, &definition)) return 2;
  auto machine = asl::ParseStateMachine(definition);
  if (!machine.ok()) {
    std::cerr << "tactus: " << args.file << " is not a valid state machine:\n"
              << machine.status().message() << "\n(run `tactus validate " << args.file
              << "` for details)\n";
    return 2;
  }
  std::string input_text = args.input;
  if (!input_text.empty() && input_text[0] == '@') {
    if (!ReadFile(input_text.substr(1), &input_text)) return 2;
  }
  auto input = common::ParseJson(input_text);
  if (!input.ok()) {
    std::cerr << "tactus: --input is not valid JSON: " << input.status().message() << "\n";
    return 2;
  }

  std::string name =
      args.name.empty() ? std::filesystem::path(args.file).stem().string() : args.name;
  common::SystemClock clock;
  common::SystemRandom random;
  std::string execution_name = args.execution_name.empty() ? random.Uuid4() : args.execution_name;

  tasks::UnconfiguredDispatcher unconfigured;
  std::unique_ptr<tasks::TaskDispatcher> dispatcher;
  if (!args.mock_config.empty()) {
    if (args.test_case.empty()) {
      std::cerr << "tactus: --mock-config needs --test-case NAME\n";
      return 2;
    }
    auto config = tasks::MockConfig::Load(args.mock_config);
    if (!config.ok()) {
      std::cerr << "tactus: " << config.status().message() << "\n";
      return 2;
    }
    auto responses = config->TestCase(name, args.test_case);
    if (!responses.ok()) {
      std::cerr << "tactus: " << responses.status().message() << "\n";
      return 2;
    }
    dispatcher = std::make_unique<tasks::MockDispatcher>(
        name, args.test_case, std::move(responses).value(), unconfigured);
  }
  tasks::TaskDispatcher& tasks = dispatcher ? *dispatcher : unconfigured;

  engine::ExecutionInfo info;
  const std::string arn_prefix = "arn:aws:states:us-east-1:111111111111:";
  info.state_machine_name = name;
  info.state_machine_arn = arn_prefix + "stateMachine:" + name;
  info.execution_name = execution_name;
  info.execution_arn = arn_prefix + "execution:" + name + ":" + execution_name;
  info.role_arn = "arn:aws:iam::111111111111:role/tactus-local";
  info.input = std::move(input).value();

  runtime::ExpressRunner runner(tasks, clock);
  runtime::RunOptions options;
  options.virtual_time = args.fast_timers;
  options.record_history = args.history;
  auto result = runner.Run(std::move(machine).value(), std::move(info), options);

  boost::json::object out = runtime::ResultToJson(result);
  if (args.history) {
    boost::json::array events(result.history.begin(), result.history.end());
    out["history"] = boost::json::object{{"events", std::move(events)}};
    std::cout << common::SerializePrettyJson(out) << "\n";
  } else {
    std::cout << common::SerializeJson(out) << "\n";
  }
  return result.status == engine::ExecutionStatus::kSucceeded ? 0 : 1;
}

}  // namespace

void RegisterRun(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "Run one execution of a state machine in memory");
  static RunArgs args;
  cmd->add_option("FILE", args.file, "Definition file (JSON)")->required();
  cmd->add_option("--input", args.input, "Execution input: JSON text, or @FILE");
  cmd->add_option("--name", args.name, "State machine name (default: FILE without extension)");
  cmd->add_option("--execution-name", args.execution_name, "Execution name (default: a UUID)");
  cmd->add_option("--mock-config", args.mock_config,
                  "AWS Step Functions Local MockConfigFile with task responses");
  cmd->add_option("--test-case", args.test_case, "Test case in the mock config");
  cmd->add_flag("--history", args.history, "Also print the execution history (AWS shape)");
  cmd->add_flag("--fast-timers", args.fast_timers,
                "Virtual clock: Wait states and retry backoffs do not sleep");
  cmd->callback([exit_code]() { *exit_code = Run(args); });
}

}  // namespace tactus::cli
