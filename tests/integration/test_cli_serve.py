"""The remote commands of `tactus` (state-machines, executions, activities, tasks) against a real
`tactus serve`: output shapes, exit codes, errors, `executions wait` and `history`.

Run by CTest with TACTUS_BIN pointing at the built binary; boto3 (through serve_util) is used only
to poll an activity task, which the CLI does not do.
"""
import json
import os
import pty
import subprocess
import tempfile
import time
import unittest

from serve_util import TACTUS, ServeTestCase

PASS = {"StartAt": "Hello", "States": {
    "Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.who)"},
              "Next": "Done"},
    "Done": {"Type": "Succeed"}}}
FAIL = {"StartAt": "Boom", "States": {
    "Boom": {"Type": "Fail", "Error": "Custom.Broken", "Cause": "it broke"}}}
SLOW = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3, "End": True}}}
LONG = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 600, "End": True}}}


def activity_machine(activity_arn):
    return {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": activity_arn, "HeartbeatSeconds": 60, "End": True}}}


class CliServeTest(ServeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="tactus-cli-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    def cli(self, *args, endpoint=True, env=None, timeout=60, stderr=None):
        """Runs `tactus ARGS --endpoint <server>`; returns the CompletedProcess."""
        argv = [TACTUS, *args] + (["--endpoint", self.server.endpoint] if endpoint else [])
        # libmongoc (linked into `tactus`) initialises at load time and warns on stderr when a
        # process killed earlier (the fault tests kill -9) left its /dev/shm counters behind
        # under a PID that is reused; these tests assert stderr exactly, so its counters stay
        # off the shared memory.
        base = self.server.env(MONGOC_DISABLE_SHM="1")
        return subprocess.run(argv, stdout=subprocess.PIPE,
                              stderr=stderr if stderr is not None else subprocess.PIPE,
                              text=True, timeout=timeout, env={**base, **(env or {})})

    def ok(self, *args, **kwargs):
        r = self.cli(*args, **kwargs)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}\n{self.server.log()}")
        return r.stdout

    def write(self, content):
        fd, path = tempfile.mkstemp(dir=self.tmp.name, suffix=".json")
        with os.fdopen(fd, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def create(self, definition, *extra):
        name = self.unique("cli")
        arn = self.ok("state-machines", "create", name, "--definition", self.write(definition),
                      *extra).strip()
        return name, arn

    # --- state machines -------------------------------------------------------------------

    def test_state_machine_lifecycle(self):
        name, arn = self.create(PASS)
        self.assertEqual(arn, f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}")

        listing = self.ok("state-machines", "list")
        self.assertEqual(listing.splitlines()[0].split(), ["NAME", "TYPE", "CREATED", "ARN"])
        row = next(line for line in listing.splitlines() if line.startswith(name + " "))
        self.assertIn("STANDARD", row)
        self.assertTrue(row.endswith(arn))
        names = [m["name"] for m in json.loads(self.ok("state-machines", "list", "--json"))
                 ["stateMachines"]]
        self.assertIn(name, names)

        described = self.ok("state-machines", "describe", name)
        self.assertIn(f"arn:       {arn}", described)
        self.assertIn("definition:\n{", described)
        self.assertIn('"StartAt": "Hello"', described)
        self.assertEqual(json.loads(self.ok("state-machines", "describe", arn, "--json"))
                         ["revisionId"], "1")

        updated = self.ok("state-machines", "update", name, "--definition", self.write(FAIL))
        self.assertEqual(updated.strip(), f"updated {arn} (revision 2)")
        self.assertEqual(json.loads(self.sfn.describe_state_machine(
            stateMachineArn=arn)["definition"]), FAIL)

        self.assertEqual(self.ok("state-machines", "delete", name).strip(), f"deleted {arn}")
        r = self.cli("state-machines", "describe", name)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tactus: StateMachineDoesNotExist: "), r.stderr)

    def test_create_rejects_an_invalid_definition(self):
        r = self.cli("state-machines", "create", self.unique("bad"), "--definition",
                     self.write({"StartAt": "Nowhere", "States": {}}))
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tactus: InvalidDefinition: "), r.stderr)

    def test_unreadable_definition_is_a_usage_error(self):
        r = self.cli("state-machines", "create", "x", "--definition", "/nonexistent.json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read /nonexistent.json", r.stderr)

    # --- executions -----------------------------------------------------------------------

    def test_start_wait_history_list_describe(self):
        name, sm = self.create(PASS)
        execution = self.ok("executions", "start", name, "--name", "first",
                            "--input", '{"who": "Ada"}').strip()
        self.assertEqual(execution,
                         f"arn:aws:states:us-east-1:123456789012:execution:{name}:first")
        out = self.ok("executions", "wait", execution, "--timeout", "30")
        self.assertEqual(json.loads(out), {"greeting": "hi Ada"})

        # An input from a file, and the MACHINE:EXECUTION shorthand.
        second = self.ok("executions", "start", sm, "--name", "second",
                         "--input", "@" + self.write({"who": "Bob"})).strip()
        self.assertEqual(json.loads(self.ok("executions", "wait", f"{name}:second")),
                         {"greeting": "hi Bob"})

        history = self.ok("executions", "history", execution).splitlines()
        self.assertEqual(history[0].split(), ["ID", "TIME", "TYPE", "DETAIL"])
        rows = [line.split(None, 4) for line in history[1:]]
        self.assertEqual([r[0] for r in rows], [str(i) for i in range(1, len(rows) + 1)])
        types = [r[3] for r in rows]
        self.assertEqual(types[0], "ExecutionStarted")
        self.assertEqual(types[-1], "ExecutionSucceeded")
        entered = next(r for r in rows if r[3] == "PassStateEntered")
        self.assertEqual(entered[4], "Hello")
        self.assertRegex(entered[1], r"^\d{4}-\d\d-\d\d$")
        self.assertIn('output {"greeting":"hi Ada"}', history[-1])

        raw = json.loads(self.ok("executions", "history", execution, "--json"))
        self.assertEqual([(e["id"], e["type"]) for e in raw["events"]],
                         [(e["id"], e["type"]) for e in self.history(execution)])

        listing = self.ok("executions", "list", name, "--status", "SUCCEEDED")
        self.assertEqual(sorted(line.split()[0] for line in listing.splitlines()[1:]),
                         ["first", "second"])
        self.assertEqual(json.loads(self.ok("executions", "list", name, "--json",
                                            "--status", "RUNNING"))["executions"], [])

        described = self.ok("executions", "describe", second)
        self.assertIn("status:         SUCCEEDED", described)
        self.assertIn('output:\n{\n  "greeting": "hi Bob"\n}', described)
        self.assertEqual(json.loads(self.ok("executions", "describe", second, "--json"))
                         ["status"], "SUCCEEDED")

    def test_history_follows_every_page(self):
        steps = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(600)}
        steps["S600"] = {"Type": "Succeed"}
        name, _ = self.create({"StartAt": "S0", "States": steps})
        execution = self.ok("executions", "start", name).strip()
        self.ok("executions", "wait", execution, "--timeout", "120")
        raw = json.loads(self.ok("executions", "history", execution, "--json"))
        self.assertGreater(len(raw["events"]), 1000)
        self.assertEqual([(e["id"], e["type"]) for e in raw["events"]],
                         [(e["id"], e["type"]) for e in self.history(execution)])
        self.assertEqual(len(self.ok("executions", "history", execution).splitlines()),
                         len(raw["events"]) + 1)

    def test_failed_execution_exits_one_with_error_and_cause(self):
        name, _ = self.create(FAIL)
        execution = self.ok("executions", "start", name).strip()
        r = self.cli("executions", "wait", execution)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "status:  FAILED\nerror:   Custom.Broken\ncause:   it broke\n")
        last = self.ok("executions", "history", execution).splitlines()[-1]
        self.assertIn("ExecutionFailed", last)
        self.assertIn("Custom.Broken: it broke", last)

    def test_stop_and_wait_timeout(self):
        name, _ = self.create(LONG)
        execution = self.ok("executions", "start", name).strip()
        r = self.cli("executions", "wait", execution, "--timeout", "0.5")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is still RUNNING after 0.5 s", r.stderr)
        self.assertEqual(self.ok("executions", "stop", execution, "--error", "Ops.Cancelled",
                                 "--cause", "not needed").strip(), f"stopped {execution}")
        r = self.cli("executions", "wait", execution)
        self.assertEqual(r.returncode, 1)
        self.assertIn("status:  ABORTED", r.stdout)
        self.assertIn("Ops.Cancelled", r.stdout)

    def test_wait_shows_progress_on_a_terminal(self):
        name, _ = self.create(SLOW)
        execution = self.ok("executions", "start", name).strip()
        leader, follower = pty.openpty()
        try:
            r = self.cli("executions", "wait", execution, stderr=follower)
            os.close(follower)
            follower = None
            progress = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                progress += chunk
        finally:
            if follower is not None:
                os.close(follower)
            os.close(leader)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(json.loads(r.stdout), {})
        text = progress.decode()
        self.assertRegex(text, r"\r\x1b\[K\d+\.\ds RUNNING  #\d+ WaitStateEntered Nap")
        self.assertTrue(text.endswith("\r\x1b[K"), repr(text[-40:]))

    def test_wait_without_a_terminal_prints_no_progress(self):
        name, _ = self.create(PASS)
        execution = self.ok("executions", "start", name, "--input", '{"who": "x"}').strip()
        r = self.cli("executions", "wait", execution)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stderr, "")

    def test_start_sync_runs_an_express_machine(self):
        name, _ = self.create(PASS, "--type", "EXPRESS")
        out = self.ok("executions", "start-sync", name, "--input", '{"who": "Eve"}')
        self.assertEqual(json.loads(out), {"greeting": "hi Eve"})
        failing, _ = self.create(FAIL, "--type", "EXPRESS")
        r = self.cli("executions", "start-sync", failing, "--json")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["error"], "Custom.Broken")
        standard, _ = self.create(PASS)
        r = self.cli("executions", "start-sync", standard)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tactus: StateMachineTypeNotSupported: ", r.stderr)

    # --- errors ---------------------------------------------------------------------------

    def test_unknown_state_machine(self):
        r = self.cli("executions", "start", "no-such-machine")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(
            r.stderr, "tactus: StateMachineDoesNotExist: State Machine Does Not Exist: "
            "'arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine'\n")
        r = self.cli("executions", "list", "no-such-machine", "--region", "eu-west-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("tactus: ", r.stderr)
        self.assertIn("eu-west-1", r.stderr)

    def test_unreachable_server_says_how_to_start_one(self):
        r = self.cli("state-machines", "list", "--endpoint", "http://127.0.0.1:1", endpoint=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tactus: EndpointConnectionError: cannot reach http://127.0.0.1:1", r.stderr)
        self.assertIn("tactus serve", r.stderr)

    def test_endpoint_from_the_environment(self):
        name, _ = self.create(PASS)
        out = self.ok("state-machines", "list", endpoint=False,
                      env={"TACTUS_ENDPOINT": self.server.endpoint})
        self.assertIn(name, out)
        # An explicit --endpoint wins over the environment.
        out = self.ok("state-machines", "list", env={"TACTUS_ENDPOINT": "http://127.0.0.1:1"})
        self.assertIn(name, out)

    # --- activities and task tokens -------------------------------------------------------

    def test_activities_and_tasks(self):
        act = self.unique("act")
        arn = self.ok("activities", "create", act).strip()
        self.assertEqual(arn, f"arn:aws:states:us-east-1:123456789012:activity:{act}")
        self.assertIn(arn, self.ok("activities", "list"))
        self.assertIn(f"name:     {act}", self.ok("activities", "describe", act))
        self.assertEqual(json.loads(self.ok("activities", "describe", arn, "--json"))["name"], act)

        name, _ = self.create(activity_machine(arn))
        succeeded = self.ok("executions", "start", name).strip()
        task = self.sfn.get_activity_task(activityArn=arn, workerName="cli-test")
        self.assertEqual(self.ok("tasks", "heartbeat", task["taskToken"]), "")
        self.assertEqual(self.ok("tasks", "success", task["taskToken"], "--output",
                                 '{"done": true}'), "")
        self.assertEqual(json.loads(self.ok("executions", "wait", succeeded)), {"done": True})

        failed = self.ok("executions", "start", name).strip()
        task = self.sfn.get_activity_task(activityArn=arn, workerName="cli-test")
        self.ok("tasks", "failure", task["taskToken"], "--error", "Worker.Gave.Up",
                "--cause", "tired")
        r = self.cli("executions", "wait", failed)
        self.assertEqual(r.returncode, 1)
        self.assertIn("error:   Worker.Gave.Up", r.stdout)

        r = self.cli("tasks", "success", task["taskToken"], "--output", "{}")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^tactus: (TaskTimedOut|InvalidToken|TaskDoesNotExist): ")

        self.assertEqual(self.ok("activities", "delete", act).strip(), f"deleted {arn}")
        r = self.cli("activities", "describe", act)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tactus: ActivityDoesNotExist: ", r.stderr)


if __name__ == "__main__":
    unittest.main()
