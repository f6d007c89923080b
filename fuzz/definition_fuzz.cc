// libFuzzer target for state machine definitions: any bytes given to the validator yield
// diagnostics, never a crash or a hang; a definition the validator accepts must build into a
// model and run to an end in memory (virtual time, every task answered with its parameters),
// which exercises the interpreter on whatever the fuzzer invents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "asl/model.h"
#include "asl/validator.h"
#include "common/clock.h"
#include "runtime/express_runner.h"

namespace {

class EchoDispatcher final : public tactus::tasks::TaskDispatcher {
 public:
  tactus::tasks::TaskOutcome Invoke(const tactus::tasks::TaskRequest& request) override {
    return tactus::tasks::TaskOutcome::Success(request.parameters);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tactus;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<asl::Diagnostic> diagnostics = asl::ValidateDefinitionText(text);
  for (const asl::Diagnostic& d : diagnostics) {
    // Every diagnostic must be actionable: a code and a message, and a location that is either
    // the whole document or an RFC 6901 pointer.
    if (d.code.empty() || d.message.empty() || (!d.location.empty() && d.location[0] != '/')) {
      std::abort();
    }
  }
  if (!diagnostics.empty()) return 0;
  auto machine = asl::ParseStateMachine(text);
  if (!machine.ok()) std::abort();  // the validator accepted what the model builder refuses

  EchoDispatcher tasks;
  common::VirtualClock clock(1'700'000'000'000);
  runtime::ExpressRunner runner(tasks, clock);
  runtime::RunOptions options;
  options.virtual_time = true;
  options.seed = 1;
  engine::ExecutionInfo info;
  info.input = boost::json::object{{"a", 1}, {"items", boost::json::array{1, 2, 3}}};
  auto result = runner.Run(std::move(machine).value(), std::move(info), options);
  if (result.status == engine::ExecutionStatus::kRunning) std::abort();
  return 0;
}
