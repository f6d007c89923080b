"""The `tactus` command as a user drives it: exit codes, output shapes, error messages.

Run by CTest with TACTUS_BIN pointing at the built binary and EXAMPLES at examples/.
"""
import json
import os
import subprocess
import tempfile
import unittest

TACTUS = os.environ.get("TACTUS_BIN", "build/debug/src/cli/tactus")
EXAMPLES = os.environ.get("EXAMPLES", "examples")


def tactus(*args, timeout=60):
    return subprocess.run([TACTUS, *args], capture_output=True, text=True, timeout=timeout)


class Workdir:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()

    def write(self, name, content):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path


def machine(states, start="A", **extra):
    return {"StartAt": start, "States": states, **extra}


class ValidateTest(unittest.TestCase):
    def setUp(self):
        self.w = Workdir()
        self.addCleanup(self.w.dir.cleanup)

    def test_valid_definition_exits_zero(self):
        r = tactus("validate", os.path.join(EXAMPLES, "order-pipeline.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("valid", r.stdout)

    def test_diagnostics_name_code_and_pointer(self):
        path = self.w.write("bad.json", machine({
            "A": {"Type": "Pass", "Next": "Nowhere"},
            "B": {"Type": "Succeed"},
        }))
        r = tactus("validate", path, "--format", "json")
        self.assertEqual(r.returncode, 1)
        out = json.loads(r.stdout)
        self.assertEqual(out["result"], "FAIL")
        by_code = {d["code"]: d for d in out["diagnostics"]}
        self.assertEqual(by_code["MISSING_TRANSITION_TARGET"]["location"], "/States/A/Next")
        self.assertEqual(by_code["UNREACHABLE_STATE"]["location"], "/States/B")

    def test_json_syntax_error_has_line_and_column(self):
        path = self.w.write("syntax.json", '{\n  "StartAt": "A",\n  "States": {,}\n}')
        r = tactus("validate", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("INVALID_JSON_DESCRIPTION", r.stdout)
        self.assertIn("line 3", r.stdout)

    def test_jsonata_is_reported_as_not_supported_yet(self):
        path = self.w.write("jsonata.json", machine(
            {"A": {"Type": "Pass", "End": True}}, QueryLanguage="JSONata"))
        r = tactus("validate", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("UNSUPPORTED_QUERY_LANGUAGE", r.stdout)
        self.assertIn("not supported yet", r.stdout)

    def test_missing_file_is_a_usage_error(self):
        r = tactus("validate", "/nonexistent/definition.json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read", r.stderr)


class PolicySuggestTest(unittest.TestCase):
    """`tactus policy suggest` (docs/auth.md, "Policy suggestions")."""

    def setUp(self):
        self.w = Workdir()
        self.addCleanup(self.w.dir.cleanup)

    def test_prints_a_policy_and_notes_what_is_computed_at_run_time(self):
        path = self.w.write("d.json", machine({
            "A": {"Type": "Task", "Resource": "arn:tactus:states:::mongodb:updateMany",
                  "Parameters": {"Database": "shop", "Collection.$": "$.coll",
                                 "Filter": {}, "Update": {"$set": {"x": 1}}},
                  "Next": "B"},
            "B": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "C", "States": {
                "C": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                      "Parameters": {"ApiEndpoint": "https://api.example.com/x?k=1",
                                     "Method": "POST"}, "End": True}}}}}))
        r = tactus("policy", "suggest", path, "--role-name", "orders")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"Version": "2012-10-17", "Statement": [
            {"Sid": "HttpInvoke", "Effect": "Allow", "Action": "http:invoke",
             "Resource": "arn:tactus:http:::https://api.example.com/x"},
            {"Sid": "MongodbUpdate", "Effect": "Allow", "Action": "mongodb:update",
             "Resource": "arn:tactus:mongodb:::shop/*"}]})
        self.assertIn("note: States.A.Parameters.Collection.$ (computed at run time)", r.stderr)
        self.assertIn("tactus iam put-role-policy orders", r.stderr)

    def test_every_example_gets_a_policy(self):
        for name in ("archive-stale-orders", "refund-approval", "customer-tiers"):
            r = tactus("policy", "suggest", os.path.join(EXAMPLES, name, "definition.asl.json"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(json.loads(r.stdout)["Statement"], name)

    def test_an_invalid_definition_is_refused(self):
        path = self.w.write("bad.json", machine({"A": {"Type": "Pass", "Next": "Nowhere"}}))
        r = tactus("policy", "suggest", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("MISSING_TRANSITION_TARGET", r.stderr)
        self.assertEqual(r.stdout, "")


class RunTest(unittest.TestCase):
    def setUp(self):
        self.w = Workdir()
        self.addCleanup(self.w.dir.cleanup)

    def run_example(self, test_case, *extra):
        return tactus("run", os.path.join(EXAMPLES, "order-pipeline.json"),
                      "--input", "@" + os.path.join(EXAMPLES, "order-pipeline.input.json"),
                      "--mock-config", os.path.join(EXAMPLES, "order-pipeline.mocks.json"),
                      "--test-case", test_case, "--fast-timers", *extra)

    def test_mocked_workflow_succeeds(self):
        r = self.run_example("HappyPath")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout), {
            "status": "SUCCEEDED",
            "output": {"orderId": "ord-1042", "status": "CONFIRMED", "total": 65}})

    def test_failure_exits_one_with_error_and_cause(self):
        r = self.run_example("Rejected")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout), {
            "status": "FAILED", "error": "OrderRejected",
            "cause": "order ord-1042 was not approved"})

    def test_history_has_aws_shape_and_numbering(self):
        r = self.run_example("HappyPath", "--history")
        self.assertEqual(r.returncode, 0)
        events = json.loads(r.stdout)["history"]["events"]
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(events[0]["type"], "ExecutionStarted")
        self.assertEqual(events[0]["previousEventId"], 0)
        self.assertEqual(json.loads(events[0]["executionStartedEventDetails"]["input"])["orderId"],
                         "ord-1042")
        self.assertEqual(events[-1]["type"], "ExecutionSucceeded")
        for e in events:
            self.assertLess(e["previousEventId"], e["id"])
            self.assertIsInstance(e["timestamp"], float)
        scheduled = [e for e in events if e["type"] == "TaskScheduled"]
        self.assertEqual(scheduled[0]["taskScheduledEventDetails"]["resourceType"], "lambda")
        self.assertEqual(scheduled[0]["taskScheduledEventDetails"]["resource"], "invoke")
        # The first reservation failed once and was retried: two TaskScheduled for that line.
        self.assertEqual(sum(1 for e in events if e["type"] == "TaskFailed"), 1)
        self.assertEqual(len(scheduled), 4)

    def test_context_object_names(self):
        path = self.w.write("ctx.json", machine({"A": {"Type": "Pass", "Parameters": {
            "machine.$": "$$.StateMachine.Name", "execution.$": "$$.Execution.Name",
            "state.$": "$$.State.Name"}, "End": True}}))
        r = tactus("run", path, "--execution-name", "exec-1")
        out = json.loads(r.stdout)["output"]
        self.assertEqual(out, {"machine": "ctx", "execution": "exec-1", "state": "A"})
        r = tactus("run", path, "--name", "Other", "--execution-name", "exec-2")
        self.assertEqual(json.loads(r.stdout)["output"]["machine"], "Other")

    def test_task_without_mock_fails_clearly(self):
        path = self.w.write("task.json", machine({"A": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": True},
            "Caught": {"Type": "Succeed"}}))
        r = tactus("run", path)
        self.assertEqual(r.returncode, 1)
        out = json.loads(r.stdout)
        # Not catchable: a missing integration is not the workflow's own failure.
        self.assertEqual(out["error"], "States.Runtime")
        self.assertIn("--mock-config", out["cause"])

    def test_unknown_test_case_lists_the_known_ones(self):
        r = self.run_example("NoSuchCase")
        self.assertEqual(r.returncode, 2)
        self.assertIn("HappyPath", r.stderr)

    def test_bad_input_json_is_a_usage_error(self):
        path = self.w.write("hello.json", machine({"A": {"Type": "Succeed"}}))
        r = tactus("run", path, "--input", "{not json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--input is not valid JSON", r.stderr)

    def test_invalid_definition_is_refused_before_running(self):
        path = self.w.write("bad.json", machine({"A": {"Type": "Pass"}}))
        r = tactus("run", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("tactus validate", r.stderr)

    def test_fast_timers_skip_long_waits(self):
        path = self.w.write("wait.json", machine({
            "A": {"Type": "Wait", "Seconds": 86400, "Next": "B"}, "B": {"Type": "Succeed"}}))
        r = tactus("run", path, "--fast-timers", "--history", timeout=20)
        self.assertEqual(r.returncode, 0)
        events = json.loads(r.stdout)["history"]["events"]
        waited = events[-1]["timestamp"] - events[0]["timestamp"]
        self.assertAlmostEqual(waited, 86400, delta=1)

    def test_loop_inside_a_distributed_map_ends_at_the_history_limit(self):
        loop = {"StartAt": "Spin", "States": {
            "Spin": {"Type": "Pass", "Next": "Again"},
            "Again": {"Type": "Choice", "Choices": [
                {"Variable": "$", "IsPresent": True, "Next": "Spin"}], "Default": "Done"},
            "Done": {"Type": "Succeed"}}}
        path = self.w.write("dmap.json", machine({"M": {
            "Type": "Map", "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **loop},
            "End": True}}, start="M"))
        r = tactus("run", path, "--input", "[1]", timeout=60)
        out = json.loads(r.stdout)
        self.assertEqual(out["status"], "FAILED")
        self.assertEqual(out["error"], "States.Runtime")
        self.assertIn("25000 history events", out["cause"])

    def test_run_time_durations_are_bounded(self):
        wait = self.w.write("wait.json", machine({
            "W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}, start="W"))
        r = tactus("run", wait, "--input", json.dumps({"s": 9223372036854775807}))
        out = json.loads(r.stdout)
        self.assertEqual(out["error"], "States.Runtime")
        self.assertIn("SecondsPath parameter references a value above 99999999", out["cause"])
        task = self.w.write("task.json", machine({"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSecondsPath": "$.t", "End": True}}, start="T"))
        r = tactus("run", task, "--input", json.dumps({"t": 10**15}))
        out = json.loads(r.stdout)
        self.assertEqual(out["error"], "States.Runtime")
        self.assertIn("TimeoutSecondsPath field refers to value", out["cause"])

    def test_compounding_backoff_is_capped_at_one_year(self):
        path = self.w.write("retry.json", machine({"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 99999999,
                       "BackoffRate": 1e300, "MaxAttempts": 3}],
            "End": True}}, start="T"))
        mocks = self.w.write("mocks.json", {
            "StateMachines": {"retry": {"TestCases": {"Fails": {"T": "AlwaysFails"}}}},
            "MockedResponses": {"AlwaysFails": {"0-3": {"Throw": {"Error": "E", "Cause": "c"}}}}})
        r = tactus("run", path, "--mock-config", mocks, "--test-case", "Fails",
                   "--fast-timers", "--history")
        events = json.loads(r.stdout)["history"]["events"]
        scheduled = [e["timestamp"] for e in events if e["type"] == "TaskScheduled"]
        self.assertEqual(len(scheduled), 4)
        gaps = [b - a for a, b in zip(scheduled, scheduled[1:])]
        for gap in gaps:
            self.assertAlmostEqual(gap, 31622400, delta=1)

    def test_causes_quoting_large_inputs_stay_within_awss_limit(self):
        path = self.w.write("missing.json", machine({"P": {
            "Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": True}}, start="P"))
        big = self.w.write("big.json", json.dumps({"blob": "\u00e9" * 100000}))
        out = json.loads(tactus("run", path, "--input", "@" + big).stdout)
        self.assertEqual(out["error"], "States.Runtime")
        self.assertLessEqual(len(out["cause"].encode()), 32768)
        self.assertTrue(out["cause"].endswith("..."))
        self.assertIn("'$.missing'", out["cause"])

    def test_oversized_input_fails_with_data_limit(self):
        path = self.w.write("pass.json", machine({"A": {"Type": "Pass", "End": True}}))
        big = self.w.write("big.json", json.dumps({"blob": "x" * (256 * 1024)}))
        r = tactus("run", path, "--input", "@" + big)
        self.assertEqual(json.loads(r.stdout)["error"], "States.DataLimitExceeded")


if __name__ == "__main__":
    unittest.main()
