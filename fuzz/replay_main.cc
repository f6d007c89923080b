// Runs a libFuzzer target without libFuzzer: every file under the given corpus directories, then
// hostile inputs every parser must refuse cleanly (100,000-deep nesting, a 50 MB input, invalid
// UTF-8, duplicate keys, NaN/Infinity). Built with the normal toolchain and sanitizers, so CI
// replays the corpus on each run; `make fuzz` runs the real coverage-guided fuzzers.
//
// Usage: <target>_replay [CORPUS_DIR...]
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::vector<std::string> HostileInputs() {
  std::vector<std::string> inputs;
  inputs.push_back(std::string(100000, '[') + std::string(100000, ']'));
  inputs.push_back(std::string(100000, '{'));
  std::string deep_object;
  for (int i = 0; i < 100000; ++i) deep_object += "{\"a\":";
  inputs.push_back(deep_object);
  inputs.push_back(std::string(100000, '('));
  inputs.push_back("States.Format(" + std::string(50000, '(') + ")");
  inputs.push_back("$" + std::string(100000, '['));
  inputs.push_back("$..a[?(" + std::string(50000, '(') + "@.a" + std::string(50000, ')') + ")]");
  inputs.push_back(std::string(50 * 1024 * 1024, 'a'));
  inputs.push_back("{\"StartAt\":\"" + std::string(50 * 1024 * 1024, 'x') + "\"}");
  inputs.push_back("\"\xC3\x28\"");
  inputs.push_back("{\"StartAt\":\"\xFF\xFE\",\"States\":{}}");
  inputs.push_back("$.\xC3\x28");
  inputs.push_back(
      "{\"StartAt\":\"A\",\"StartAt\":\"B\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}");
  inputs.push_back("{\"StartAt\":\"A\",\"TimeoutSeconds\":NaN,\"States\":{}}");
  inputs.push_back("[Infinity, -Infinity, NaN]");
  inputs.push_back("States.MathAdd(1e999, -1e999)");
  inputs.push_back("States.ArrayRange(0, 1000000000, 1)");
  inputs.push_back(std::string());
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t files = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path dir = argv[i];
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      Run(std::string(std::istreambuf_iterator<char>(in), {}));
      ++files;
    }
  }
  auto hostile = HostileInputs();
  for (const auto& input : hostile) Run(input);
  std::printf("replayed %zu corpus files and %zu hostile inputs without a crash\n", files,
              hostile.size());
  return 0;
}
