// Mocked task responses in AWS Step Functions Local's MockConfigFile format, so the files users
// already have for local testing work unchanged:
//
//   {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response name>"}}}},
//    "MockedResponses": {"<response name>": {"0": {"Return": <json>},
//                                            "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
//
// Each state's invocations within one execution are numbered from 0 in the order they happen
// (retries and Map iterations each take the next number); response keys are a number or an
// inclusive range "a-b". Missing responses are an error (see MockDispatcher::Invoke).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "tasks/dispatcher.h"

namespace tactus::tasks {

struct MockResponse {
  std::int64_t first = 0, last = 0;  // inclusive invocation range
  bool is_throw = false;
  json::value value;         // Return value
  std::string error, cause;  // Throw
};

class MockConfig {
 public:
  // Validates the whole file; errors name the JSON pointer at fault.
  static common::Result<MockConfig> Parse(const json::value& config);
  static common::Result<MockConfig> Load(const std::string& path);

  // The responses of one test case: state name -> responses in key order. NotFound when the
  // machine or the test case does not exist (the message lists what does).
  common::Result<std::map<std::string, std::vector<MockResponse>>> TestCase(
      const std::string& machine, const std::string& test_case) const;

 private:
  json::object config_;
  std::map<std::string, std::vector<MockResponse>> responses_;
};

// Answers tasks from one test case. Thread-safe.
class MockDispatcher final : public TaskDispatcher {
 public:
  // Tasks of states the test case does not mock go to `unmocked` (which must outlive this).
  MockDispatcher(std::string machine, std::string test_case,
                 std::map<std::string, std::vector<MockResponse>> responses,
                 TaskDispatcher& unmocked);

  // An invocation number past a state's last response fails with States.Runtime (not
  // catchable) and a cause naming the state, the invocation and the test case, so a mistake in
  // the mock file is never mistaken for the workflow's own failure.
  TaskOutcome Invoke(const TaskRequest& request) override;

 private:
  std::string machine_, test_case_;
  std::map<std::string, std::vector<MockResponse>> responses_;
  TaskDispatcher& unmocked_;
  std::mutex mu_;
  std::map<std::string, std::int64_t> invocations_;
};

}  // namespace tactus::tasks
