"""`tactus serve` as a user of AWS Step Functions checks it: every API action through boto3.

Each test class runs one `tactus serve` (serve_util.ServeTestCase) and its tests use their own
state machines, so they are independent. Errors are boto3's modeled exceptions
(client.exceptions.X), as with AWS. Run by CTest with TACTUS_BIN pointing at the built binary.
"""
import datetime
import json
import threading
import time
import unittest

from serve_util import ACCOUNT, REGION, ROLE, Server, ServeTestCase

SM_PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"
EXEC_PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:"
ACTIVITY_PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:activity:"
START_EXECUTION = "arn:aws:states:::states:startExecution"


def machine(states, start=None, **extra):
    return {"StartAt": start or next(iter(states)), "States": states, **extra}


def pass_machine(result):
    return machine({"P": {"Type": "Pass", "Result": result, "End": True}})


def wait_then(seconds, result):
    return machine({
        "W": {"Type": "Wait", "Seconds": seconds, "Next": "P"},
        "P": {"Type": "Pass", "Result": result, "End": True},
    })


def event_types(events):
    return [e["type"] for e in events]


class StateMachineTest(ServeTestCase):
    """CreateStateMachine, Describe, Update, Delete, List, Validate, tags."""

    def test_create_and_describe(self):
        name = self.unique("orders")
        definition = json.dumps(pass_machine({"v": 1}))
        created = self.sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)
        self.assertEqual(created["stateMachineArn"], SM_PREFIX + name)
        self.assertIsInstance(created["creationDate"], datetime.datetime)
        d = self.sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
        self.assertEqual(d["stateMachineArn"], SM_PREFIX + name)
        self.assertEqual(d["name"], name)
        self.assertEqual(d["status"], "ACTIVE")
        self.assertEqual(d["definition"], definition)
        self.assertEqual(d["roleArn"], ROLE)
        self.assertEqual(d["type"], "STANDARD")
        self.assertEqual(d["creationDate"], created["creationDate"])

    def test_create_same_request_is_idempotent(self):
        name = self.unique("same")
        definition = json.dumps(pass_machine(1))
        first = self.sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)
        second = self.sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)
        self.assertEqual(first["stateMachineArn"], second["stateMachineArn"])
        self.assertEqual(first["creationDate"], second["creationDate"])

    def test_create_other_definition_same_name_already_exists(self):
        name = self.unique("taken")
        self.create_machine(pass_machine(1), name=name)
        with self.assertRaises(self.sfn.exceptions.StateMachineAlreadyExists):
            self.create_machine(pass_machine(2), name=name)

    def test_create_invalid_definition(self):
        bad = machine({"A": {"Type": "Pass", "Next": "Nowhere"}})
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition) as caught:
            self.create_machine(bad)
        self.assertIn("MISSING_TRANSITION_TARGET", str(caught.exception))
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition):
            self.create_machine("{not json")
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition):
            self.create_machine(machine({"A": {"Type": "NoSuchType", "End": True}}))

    def test_create_invalid_name(self):
        for name in ("has space", "a#b", "x" * 81, "curly{}"):
            with self.subTest(name=name):
                with self.assertRaises((self.sfn.exceptions.InvalidName,
                                        self.sfn.exceptions.ValidationException)) as caught:
                    self.create_machine(pass_machine(1), name=name)
                if len(name) <= 80:
                    self.assertIsInstance(caught.exception, self.sfn.exceptions.InvalidName)

    def test_describe_missing_and_wrong_arn(self):
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.describe_state_machine(stateMachineArn=SM_PREFIX + "never-created")
        with self.assertRaises(self.sfn.exceptions.InvalidArn):
            self.sfn.describe_state_machine(stateMachineArn=EXEC_PREFIX + "m:e")
        with self.assertRaises(self.sfn.exceptions.InvalidArn):
            self.sfn.describe_state_machine(stateMachineArn="not-an-arn")

    def test_update_new_executions_use_new_definition_running_keep_old(self):
        old = json.dumps(wait_then(2, "v1"))
        new = json.dumps(pass_machine("v2"))
        arn = self.create_machine(old)
        first = self.start(arn)
        updated = self.sfn.update_state_machine(stateMachineArn=arn, definition=new)
        self.assertIsInstance(updated["updateDate"], datetime.datetime)
        self.assertIn("revisionId", updated)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["definition"], new)
        second = self.start(arn)
        d2 = self.wait_done(second)
        self.assertEqual(d2["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d2["output"]), "v2")
        # The first execution was RUNNING (in its Wait) during the update: it keeps the old one.
        self.assertEqual(self.sfn.describe_execution(executionArn=first)["status"], "RUNNING")
        d1 = self.wait_done(first)
        self.assertEqual(d1["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d1["output"]), "v1")
        f1 = self.sfn.describe_state_machine_for_execution(executionArn=first)
        f2 = self.sfn.describe_state_machine_for_execution(executionArn=second)
        self.assertEqual(f1["definition"], old)
        self.assertEqual(f2["definition"], new)
        self.assertNotEqual(f1["revisionId"], f2["revisionId"])

    def test_update_errors(self):
        arn = self.create_machine(pass_machine(1))
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition):
            self.sfn.update_state_machine(
                stateMachineArn=arn, definition=json.dumps(machine({"A": {"Type": "Pass"}})))
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.update_state_machine(stateMachineArn=SM_PREFIX + "nope",
                                          definition=json.dumps(pass_machine(1)))
        with self.assertRaises(self.sfn.exceptions.MissingRequiredParameter):
            self.sfn.update_state_machine(stateMachineArn=arn)

    def test_update_role(self):
        arn = self.create_machine(pass_machine(1))
        role = f"arn:aws:iam::{ACCOUNT}:role/other"
        self.sfn.update_state_machine(stateMachineArn=arn, roleArn=role)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["roleArn"], role)

    def test_delete(self):
        arn = self.create_machine(wait_then(1, "done"))
        running = self.start(arn)
        self.sfn.delete_state_machine(stateMachineArn=arn)
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.describe_state_machine(stateMachineArn=arn)
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.start(arn)
        listed = [m["stateMachineArn"] for m in
                  self.sfn.list_state_machines(maxResults=1000)["stateMachines"]]
        self.assertNotIn(arn, listed)
        # A running execution of a deleted state machine finishes.
        d = self.wait_done(running)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), "done")

    def test_list_pagination(self):
        mine = sorted(self.create_machine(pass_machine(i), name=self.unique(f"page{i}"))
                      for i in range(3))
        everything = self.sfn.list_state_machines(maxResults=1000)
        self.assertNotIn("nextToken", everything)
        all_arns = [m["stateMachineArn"] for m in everything["stateMachines"]]
        pages, token = [], None
        while True:
            page = self.sfn.list_state_machines(maxResults=1, **({"nextToken": token} if token
                                                                 else {}))
            self.assertLessEqual(len(page["stateMachines"]), 1)
            pages.append(page)
            token = page.get("nextToken")
            if not token:
                break
            self.assertLess(len(pages), len(all_arns) + 2, "pagination does not end")
        paged = [m["stateMachineArn"] for p in pages for m in p["stateMachines"]]
        self.assertEqual(paged, all_arns)
        self.assertEqual(len(set(paged)), len(paged))
        for arn in mine:
            self.assertIn(arn, paged)
        entry = next(m for m in everything["stateMachines"] if m["stateMachineArn"] == mine[0])
        self.assertEqual(entry["type"], "STANDARD")
        self.assertEqual(SM_PREFIX + entry["name"], mine[0])
        self.assertIsInstance(entry["creationDate"], datetime.datetime)
        with self.assertRaises(self.sfn.exceptions.InvalidToken):
            self.sfn.list_state_machines(nextToken="not a token!")

    def test_validate_ok(self):
        r = self.sfn.validate_state_machine_definition(
            definition=json.dumps(pass_machine(1)), type="STANDARD")
        self.assertEqual(r["result"], "OK")
        self.assertEqual(r["diagnostics"], [])

    def test_validate_fail_has_diagnostics(self):
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(machine({
            "A": {"Type": "Pass", "Next": "Nowhere"},
            "B": {"Type": "Succeed"},
        })))
        self.assertEqual(r["result"], "FAIL")
        by_code = {d["code"]: d for d in r["diagnostics"]}
        self.assertIn("MISSING_TRANSITION_TARGET", by_code)
        self.assertEqual(by_code["MISSING_TRANSITION_TARGET"]["severity"], "ERROR")
        self.assertEqual(by_code["MISSING_TRANSITION_TARGET"]["location"], "/States/A/Next")
        self.assertTrue(by_code["MISSING_TRANSITION_TARGET"]["message"])
        r = self.sfn.validate_state_machine_definition(definition="{")
        self.assertEqual(r["result"], "FAIL")
        self.assertTrue(r["diagnostics"])

    def test_describe_state_machine_for_execution(self):
        name = self.unique("for-exec")
        definition = json.dumps(pass_machine({"a": 1}))
        arn = self.create_machine(definition, name=name)
        execution = self.start(arn)
        self.wait_done(execution)
        d = self.sfn.describe_state_machine_for_execution(executionArn=execution)
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertEqual(d["name"], name)
        self.assertEqual(d["definition"], definition)
        self.assertEqual(d["roleArn"], ROLE)
        self.assertIsInstance(d["updateDate"], datetime.datetime)
        with self.assertRaises(self.sfn.exceptions.ExecutionDoesNotExist):
            self.sfn.describe_state_machine_for_execution(executionArn=execution + "x")

    def test_tags_on_state_machine(self):
        arn = self.create_machine(pass_machine(1), tags=[{"key": "team", "value": "a"}])

        def tags():
            return {t["key"]: t["value"] for t in
                    self.sfn.list_tags_for_resource(resourceArn=arn)["tags"]}

        self.assertEqual(tags(), {"team": "a"})
        self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "b"},
                                                     {"key": "env", "value": "dev"}])
        self.assertEqual(tags(), {"team": "b", "env": "dev"})
        self.sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(tags(), {"env": "dev"})
        with self.assertRaises(self.sfn.exceptions.ResourceNotFound):
            self.sfn.list_tags_for_resource(resourceArn=SM_PREFIX + "nope")
        with self.assertRaises(self.sfn.exceptions.ResourceNotFound):
            self.sfn.tag_resource(resourceArn=SM_PREFIX + "nope", tags=[{"key": "k",
                                                                        "value": "v"}])

    def test_tags_on_activity(self):
        arn = self.sfn.create_activity(name=self.unique("tagged"),
                                       tags=[{"key": "k1", "value": "v1"}])["activityArn"]
        self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "k2", "value": "v2"}])
        self.sfn.untag_resource(resourceArn=arn, tagKeys=["k1"])
        tags = self.sfn.list_tags_for_resource(resourceArn=arn)["tags"]
        self.assertEqual(tags, [{"key": "k2", "value": "v2"}])


class ExecutionTest(ServeTestCase):
    """StartExecution, StartSyncExecution, Stop, Describe, List, history, timeouts, Parallel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.sfn
        cls.waiter = c.create_state_machine(
            name="waiter", roleArn=ROLE,
            definition=json.dumps(wait_then(100, "late")))["stateMachineArn"]
        cls.echo = c.create_state_machine(
            name="echo", roleArn=ROLE,
            definition=json.dumps(machine({"P": {"Type": "Pass", "End": True}})))[
                "stateMachineArn"]

    def test_start_and_describe(self):
        name = self.unique("run")
        execution = self.start(self.echo, {"x": 1}, name=name)
        self.assertEqual(execution, EXEC_PREFIX + "echo:" + name)
        d = self.wait_done(execution)
        self.assertEqual(d["executionArn"], execution)
        self.assertEqual(d["stateMachineArn"], self.echo)
        self.assertEqual(d["name"], name)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["input"]), {"x": 1})
        self.assertEqual(json.loads(d["output"]), {"x": 1})
        self.assertLessEqual(d["startDate"], d["stopDate"])
        with self.assertRaises(self.sfn.exceptions.ExecutionDoesNotExist):
            self.sfn.describe_execution(executionArn=EXEC_PREFIX + "echo:never")
        with self.assertRaises(self.sfn.exceptions.InvalidArn):
            self.sfn.describe_execution(executionArn=self.echo)

    def test_start_without_name_or_input(self):
        execution = self.sfn.start_execution(stateMachineArn=self.echo)["executionArn"]
        self.assertTrue(execution.startswith(EXEC_PREFIX + "echo:"))
        d = self.wait_done(execution)
        self.assertEqual(json.loads(d["input"]), {})
        self.assertEqual(json.loads(d["output"]), {})

    def test_start_idempotent_while_running(self):
        name = self.unique("idem")
        first = self.sfn.start_execution(stateMachineArn=self.waiter, name=name,
                                         input='{"a": 1}')
        again = self.sfn.start_execution(stateMachineArn=self.waiter, name=name,
                                         input='{"a": 1}')
        self.assertEqual(first["executionArn"], again["executionArn"])
        self.assertEqual(first["startDate"], again["startDate"])
        with self.assertRaises(self.sfn.exceptions.ExecutionAlreadyExists):
            self.sfn.start_execution(stateMachineArn=self.waiter, name=name, input='{"a": 2}')
        self.sfn.stop_execution(executionArn=first["executionArn"])

    def test_start_same_name_after_close_already_exists(self):
        name = self.unique("closed")
        execution = self.start(self.echo, {"a": 1}, name=name)
        self.wait_done(execution)
        with self.assertRaises(self.sfn.exceptions.ExecutionAlreadyExists):
            self.start(self.echo, {"a": 1}, name=name)

    def test_start_errors(self):
        with self.assertRaises(self.sfn.exceptions.InvalidExecutionInput):
            self.sfn.start_execution(stateMachineArn=self.echo, input="not json")
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.start_execution(stateMachineArn=SM_PREFIX + "missing")
        with self.assertRaises(self.sfn.exceptions.InvalidName):
            self.sfn.start_execution(stateMachineArn=self.echo, name="bad name")
        with self.assertRaises(self.sfn.exceptions.InvalidArn):
            self.sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:1:nonsense")

    def test_start_sync_execution(self):
        arn = self.create_machine(machine({
            "P": {"Type": "Pass", "Parameters": {"got.$": "$.a", "fixed": "f"}, "End": True},
        }), type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=arn, name="sync1",
                                          input=json.dumps({"a": [1, 2]}))
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertEqual(json.loads(r["output"]), {"got": [1, 2], "fixed": "f"})
        self.assertEqual(json.loads(r["input"]), {"a": [1, 2]})
        self.assertEqual(r["stateMachineArn"], arn)
        self.assertEqual(r["name"], "sync1")
        self.assertIn(":express:", r["executionArn"])
        self.assertLessEqual(r["startDate"], r["stopDate"])

    def test_start_sync_execution_failure(self):
        arn = self.create_machine(machine({
            "F": {"Type": "Fail", "Error": "Custom.Bad", "Cause": "it broke"},
        }), type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=arn)
        self.assertEqual(r["status"], "FAILED")
        self.assertEqual(r["error"], "Custom.Bad")
        self.assertEqual(r["cause"], "it broke")
        self.assertNotIn("output", r)

    def test_start_sync_execution_on_standard_not_supported(self):
        with self.assertRaises(self.sfn.exceptions.StateMachineTypeNotSupported):
            self.sfn.start_sync_execution(stateMachineArn=self.echo)
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.start_sync_execution(stateMachineArn=SM_PREFIX + "missing")

    def test_stop_execution(self):
        execution = self.start(self.waiter)
        self.wait_for(lambda: "WaitStateEntered" in event_types(self.history(execution)),
                      what="the Wait state")
        stopped = self.sfn.stop_execution(executionArn=execution, error="User.Stopped",
                                          cause="changed my mind")
        self.assertIsInstance(stopped["stopDate"], datetime.datetime)
        d = self.sfn.describe_execution(executionArn=execution)
        self.assertEqual(d["status"], "ABORTED")
        self.assertEqual(d["error"], "User.Stopped")
        self.assertEqual(d["cause"], "changed my mind")
        self.assertIn("stopDate", d)
        events = self.history(execution)
        self.assertEqual(events[-1]["type"], "ExecutionAborted")
        details = events[-1]["executionAbortedEventDetails"]
        self.assertEqual(details["error"], "User.Stopped")
        self.assertEqual(details["cause"], "changed my mind")
        aborted = [e["executionArn"] for e in self.sfn.list_executions(
            stateMachineArn=self.waiter, statusFilter="ABORTED")["executions"]]
        self.assertIn(execution, aborted)
        with self.assertRaises(self.sfn.exceptions.ExecutionDoesNotExist):
            self.sfn.stop_execution(executionArn=EXEC_PREFIX + "waiter:never")

    def test_list_executions(self):
        arn = self.create_machine(machine({
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.wait", "BooleanEquals": True, "Next": "W"}], "Default": "S"},
            "W": {"Type": "Wait", "Seconds": 100, "Next": "S"},
            "S": {"Type": "Succeed"},
        }))
        done = [self.start(arn, {"wait": False}, name=f"done{i}") for i in range(3)]
        running = self.start(arn, {"wait": True}, name="running")
        for e in done:
            self.wait_done(e)

        def listed(**kwargs):
            out, token = [], None
            while True:
                page = self.sfn.list_executions(stateMachineArn=arn, **kwargs,
                                                **({"nextToken": token} if token else {}))
                out += page["executions"]
                token = page.get("nextToken")
                if not token:
                    return out

        self.assertEqual(sorted(e["executionArn"] for e in listed(statusFilter="SUCCEEDED")),
                         sorted(done))
        self.assertEqual([e["executionArn"] for e in listed(statusFilter="RUNNING")],
                         [running])
        self.assertEqual(listed(statusFilter="FAILED"), [])
        paged = listed(maxResults=1)
        self.assertEqual(len(paged), 4)
        self.assertEqual(sorted(e["executionArn"] for e in paged), sorted(done + [running]))
        first = self.sfn.list_executions(stateMachineArn=arn, maxResults=1)
        self.assertEqual(len(first["executions"]), 1)
        self.assertIn("nextToken", first)
        entry = next(e for e in paged if e["executionArn"] == done[0])
        self.assertEqual(entry["name"], "done0")
        self.assertEqual(entry["stateMachineArn"], arn)
        self.assertEqual(entry["status"], "SUCCEEDED")
        self.assertIn("stopDate", entry)
        # AWS lists the newest first.
        starts = [e["startDate"] for e in paged]
        self.assertEqual(starts, sorted(starts, reverse=True))
        self.sfn.stop_execution(executionArn=running)
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.list_executions(stateMachineArn=SM_PREFIX + "missing")
        with self.assertRaises(self.sfn.exceptions.ValidationException):
            self.sfn.list_executions(stateMachineArn=arn, statusFilter="DONE")

    def test_history_pass_wait_choice_succeed(self):
        arn = self.create_machine(machine({
            "P": {"Type": "Pass", "Result": {"go": True}, "ResultPath": "$.r", "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 1, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.r.go", "BooleanEquals": True, "Next": "S"}], "Default": "F"},
            "S": {"Type": "Succeed"},
            "F": {"Type": "Fail"},
        }))
        execution = self.start(arn, {"in": 1})
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"in": 1, "r": {"go": True}})
        events = self.history(execution)
        self.assertEqual(event_types(events), [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
            "WaitStateExited", "ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered",
            "SucceedStateExited", "ExecutionSucceeded"])
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual([e["previousEventId"] for e in events], list(range(len(events))))
        stamps = [e["timestamp"] for e in events]
        self.assertEqual(stamps, sorted(stamps))
        waited = (events[4]["timestamp"] - events[3]["timestamp"]).total_seconds()
        self.assertGreaterEqual(waited, 0.9)
        started = events[0]["executionStartedEventDetails"]
        self.assertEqual(json.loads(started["input"]), {"in": 1})
        self.assertEqual(started["roleArn"], ROLE)
        self.assertEqual(events[1]["stateEnteredEventDetails"]["name"], "P")
        self.assertEqual(json.loads(events[1]["stateEnteredEventDetails"]["input"]), {"in": 1})
        self.assertEqual(events[2]["stateExitedEventDetails"]["name"], "P")
        self.assertEqual(json.loads(events[2]["stateExitedEventDetails"]["output"]),
                         {"in": 1, "r": {"go": True}})
        self.assertEqual(json.loads(events[-1]["executionSucceededEventDetails"]["output"]),
                         {"in": 1, "r": {"go": True}})

        # Pages of 3 give the same events.
        pages, token = [], None
        while True:
            page = self.sfn.get_execution_history(executionArn=execution, maxResults=3,
                                                  **({"nextToken": token} if token else {}))
            self.assertLessEqual(len(page["events"]), 3)
            pages.append(page["events"])
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual([len(p) for p in pages], [3, 3, 3, 1])
        self.assertEqual([e for p in pages for e in p], events)
        # reverseOrder, in one page and in pages.
        self.assertEqual(self.sfn.get_execution_history(executionArn=execution,
                                                        reverseOrder=True)["events"],
                         events[::-1])
        self.assertEqual(self.history(execution, reverseOrder=True, maxResults=4), events[::-1])
        # includeExecutionData=False drops the payloads.
        bare = self.history(execution, includeExecutionData=False)
        self.assertEqual(event_types(bare), event_types(events))
        self.assertNotIn("input", bare[0].get("executionStartedEventDetails", {}))
        self.assertNotIn("input", bare[1].get("stateEnteredEventDetails", {}))
        self.assertNotIn("output", bare[2].get("stateExitedEventDetails", {}))
        self.assertNotIn("output", bare[-1].get("executionSucceededEventDetails", {}))
        with self.assertRaises(self.sfn.exceptions.ExecutionDoesNotExist):
            self.sfn.get_execution_history(executionArn=execution + "-no")
        with self.assertRaises(self.sfn.exceptions.InvalidToken):
            self.sfn.get_execution_history(executionArn=execution, nextToken="zz-not-a-token")

    def test_history_of_failed_execution(self):
        arn = self.create_machine(machine({
            "F": {"Type": "Fail", "Error": "My.Error", "Cause": "because"}}))
        execution = self.start(arn)
        d = self.wait_done(execution)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "My.Error", "because"))
        events = self.history(execution)
        self.assertEqual(event_types(events),
                         ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"])
        self.assertEqual(events[-1]["executionFailedEventDetails"],
                         {"error": "My.Error", "cause": "because"})
        failed = [e["executionArn"] for e in self.sfn.list_executions(
            stateMachineArn=arn, statusFilter="FAILED")["executions"]]
        self.assertEqual(failed, [execution])

    def test_execution_timeout(self):
        arn = self.create_machine(dict(wait_then(30, "never"), TimeoutSeconds=1))
        execution = self.start(arn)
        d = self.wait_done(execution, timeout=15)
        self.assertEqual(d["status"], "TIMED_OUT")
        self.assertGreaterEqual((d["stopDate"] - d["startDate"]).total_seconds(), 0.9)
        events = self.history(execution)
        self.assertEqual(events[-1]["type"], "ExecutionTimedOut")
        timed_out = [e["executionArn"] for e in self.sfn.list_executions(
            stateMachineArn=arn, statusFilter="TIMED_OUT")["executions"]]
        self.assertEqual(timed_out, [execution])

    def test_parallel(self):
        arn = self.create_machine(machine({
            "Par": {"Type": "Parallel", "End": True, "Branches": [
                machine({"A": {"Type": "Pass", "Result": "a", "End": True}}),
                machine({"B1": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "B2"},
                         "B2": {"Type": "Wait", "Seconds": 1, "End": True}}),
            ]},
        }))
        self.assertEqual(self.run_ok(arn, {"n": 5}), ["a", {"n": 5}])

    def test_parallel_branch_failure_caught(self):
        arn = self.create_machine(machine({
            "Par": {"Type": "Parallel", "Next": "Ok", "Branches": [
                machine({"A": {"Type": "Pass", "End": True}}),
                machine({"B": {"Type": "Fail", "Error": "Branch.Bad", "Cause": "b"}}),
            ], "Catch": [{"ErrorEquals": ["Branch.Bad"], "ResultPath": "$.err",
                          "Next": "Handled"}]},
            "Ok": {"Type": "Succeed"},
            "Handled": {"Type": "Pass", "End": True},
        }))
        out = self.run_ok(arn, {"k": 1})
        self.assertEqual(out, {"k": 1, "err": {"Error": "Branch.Bad", "Cause": "b"}})


class NestedExecutionTest(ServeTestCase):
    """The states:startExecution integration: .sync, .sync:2, fire-and-forget, callbacks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child = cls.sfn.create_state_machine(
            name="child", roleArn=ROLE, definition=json.dumps(machine({
                "P": {"Type": "Pass", "Result": {"child": "done"}, "ResultPath": "$.res",
                      "End": True}})))["stateMachineArn"]
        cls.failing_child = cls.sfn.create_state_machine(
            name="failing-child", roleArn=ROLE, definition=json.dumps(machine({
                "F": {"Type": "Fail", "Error": "Child.Bad", "Cause": "child failed"}})))[
                    "stateMachineArn"]

    def parent(self, resource, child=None, **task):
        return self.create_machine(machine({
            "Run": {"Type": "Task", "Resource": resource, "End": True,
                    "Parameters": {"StateMachineArn": child or self.child,
                                   "Input": {"x": 1}}, **task}}))

    def test_sync_output_is_text(self):
        out = self.run_ok(self.parent(START_EXECUTION + ".sync"))
        self.assertEqual(out["Status"], "SUCCEEDED")
        self.assertTrue(out["ExecutionArn"].startswith(EXEC_PREFIX + "child:"))
        self.assertEqual(out["StateMachineArn"], self.child)
        self.assertIsInstance(out["Output"], str)
        self.assertEqual(json.loads(out["Output"]), {"x": 1, "res": {"child": "done"}})
        child = self.sfn.describe_execution(executionArn=out["ExecutionArn"])
        self.assertEqual(child["status"], "SUCCEEDED")
        self.assertEqual(json.loads(child["input"]), {"x": 1})

    def test_sync2_output_is_json(self):
        out = self.run_ok(self.parent(START_EXECUTION + ".sync:2"))
        self.assertEqual(out["Status"], "SUCCEEDED")
        self.assertEqual(out["Output"], {"x": 1, "res": {"child": "done"}})

    def test_sync_child_failure_fails_the_task(self):
        arn = self.create_machine(machine({
            "Run": {"Type": "Task", "Resource": START_EXECUTION + ".sync", "Next": "Done",
                    "Parameters": {"StateMachineArn": self.failing_child, "Input": {}},
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err",
                               "Next": "Caught"}]},
            "Done": {"Type": "Succeed"},
            "Caught": {"Type": "Pass", "End": True},
        }))
        out = self.run_ok(arn)
        self.assertEqual(out["err"]["Error"], "States.TaskFailed")
        self.assertIn("Child.Bad", out["err"]["Cause"])

    def test_fire_and_forget(self):
        out = self.run_ok(self.parent(START_EXECUTION))
        self.assertTrue(out["ExecutionArn"].startswith(EXEC_PREFIX + "child:"))
        self.assertIn("StartDate", out)
        self.assertNotIn("Output", out)
        d = self.wait_done(out["ExecutionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"x": 1, "res": {"child": "done"}})

    def test_wait_for_task_token_via_child_input(self):
        child = self.create_machine(wait_then(100, "child"), name=self.unique("cb-child"))
        parent = self.create_machine(machine({
            "Ask": {"Type": "Task", "Resource": START_EXECUTION + ".waitForTaskToken",
                    "Parameters": {"StateMachineArn": child,
                                   "Input": {"token.$": "$$.Task.Token", "q": "ok?"}},
                    "End": True}}))
        execution = self.start(parent)
        children = self.wait_for(
            lambda: self.sfn.list_executions(stateMachineArn=child)["executions"],
            what="the child execution")
        self.assertEqual(len(children), 1)
        child_input = json.loads(self.sfn.describe_execution(
            executionArn=children[0]["executionArn"])["input"])
        self.assertEqual(child_input["q"], "ok?")
        token = child_input["token"]
        self.assertIsInstance(token, str)
        self.assertEqual(self.sfn.describe_execution(executionArn=execution)["status"],
                         "RUNNING")
        self.sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"approved": True})
        # A token is single use.
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_success(taskToken=token, output="{}")
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_failure(taskToken=token, error="E")
        self.sfn.stop_execution(executionArn=children[0]["executionArn"])

    def test_wait_for_task_token_failure(self):
        child = self.create_machine(pass_machine("c"), name=self.unique("cb-fail-child"))
        parent = self.create_machine(machine({
            "Ask": {"Type": "Task", "Resource": START_EXECUTION + ".waitForTaskToken",
                    "Parameters": {"StateMachineArn": child,
                                   "Input": {"token.$": "$$.Task.Token"}},
                    "End": True}}))
        execution = self.start(parent)
        children = self.wait_for(
            lambda: self.sfn.list_executions(stateMachineArn=child)["executions"],
            what="the child execution")
        token = json.loads(self.sfn.describe_execution(
            executionArn=children[0]["executionArn"])["input"])["token"]
        self.sfn.send_task_failure(taskToken=token, error="Review.Rejected", cause="no")
        d = self.wait_done(execution)
        self.assertEqual((d["status"], d["error"], d["cause"]),
                         ("FAILED", "Review.Rejected", "no"))

    def test_send_task_success_invalid_output(self):
        with self.assertRaises((self.sfn.exceptions.InvalidOutput,
                                self.sfn.exceptions.TaskDoesNotExist)):
            self.sfn.send_task_success(taskToken="a" * 64, output="not json")


class ActivityTest(ServeTestCase):
    """Activities and their workers: GetActivityTask, SendTask*, task timeouts."""

    def worker(self, activity, work, name="worker-1"):
        """Runs `work(client, task)` on the first task of `activity` in a thread."""
        client = self.server.client()
        result = {}

        def loop():
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    task = client.get_activity_task(activityArn=activity, workerName=name)
                    if task.get("taskToken"):
                        result["input"] = json.loads(task["input"])
                        result["token"] = task["taskToken"]
                        work(client, task)
                        return
            except Exception as e:  # reported by the test
                result["error"] = e

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread, result

    def join(self, thread, result):
        thread.join(timeout=40)
        self.assertFalse(thread.is_alive(), "activity worker did not finish")
        if "error" in result:
            raise result["error"]

    def activity_machine(self, activity, **task):
        return self.create_machine(machine({
            "Work": {"Type": "Task", "Resource": activity, "End": True, **task}}))

    def test_create_describe_list_delete(self):
        name = self.unique("act")
        first = self.sfn.create_activity(name=name)
        self.assertEqual(first["activityArn"], ACTIVITY_PREFIX + name)
        again = self.sfn.create_activity(name=name)
        self.assertEqual(again["activityArn"], first["activityArn"])
        self.assertEqual(again["creationDate"], first["creationDate"])
        d = self.sfn.describe_activity(activityArn=first["activityArn"])
        self.assertEqual(d["activityArn"], first["activityArn"])
        self.assertEqual(d["name"], name)
        self.assertEqual(d["creationDate"], first["creationDate"])
        self.sfn.delete_activity(activityArn=first["activityArn"])
        with self.assertRaises(self.sfn.exceptions.ActivityDoesNotExist):
            self.sfn.describe_activity(activityArn=first["activityArn"])
        with self.assertRaises(self.sfn.exceptions.ActivityDoesNotExist):
            self.sfn.get_activity_task(activityArn=first["activityArn"])
        with self.assertRaises(self.sfn.exceptions.InvalidName):
            self.sfn.create_activity(name="bad name")
        with self.assertRaises(self.sfn.exceptions.InvalidArn):
            self.sfn.describe_activity(activityArn=SM_PREFIX + "x")

    def test_list_activities_pagination(self):
        mine = [self.create_activity(self.unique(f"list{i}")) for i in range(3)]
        every = [a["activityArn"] for a in
                 self.sfn.list_activities(maxResults=1000)["activities"]]
        paged, token = [], None
        while True:
            page = self.sfn.list_activities(maxResults=1, **({"nextToken": token} if token
                                                             else {}))
            self.assertLessEqual(len(page["activities"]), 1)
            paged += page["activities"]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual([a["activityArn"] for a in paged], every)
        for arn in mine:
            self.assertIn(arn, every)
        entry = next(a for a in paged if a["activityArn"] == mine[0])
        self.assertEqual(ACTIVITY_PREFIX + entry["name"], mine[0])
        self.assertIsInstance(entry["creationDate"], datetime.datetime)

    def test_worker_heartbeat_and_success(self):
        activity = self.create_activity()
        arn = self.activity_machine(activity, HeartbeatSeconds=2, TimeoutSeconds=60,
                                    Parameters={"job.$": "$.job"})

        def work(client, task):
            job = json.loads(task["input"])["job"]
            for _ in range(4):  # 2.8 s in all, longer than HeartbeatSeconds
                time.sleep(0.7)
                client.send_task_heartbeat(taskToken=task["taskToken"])
            client.send_task_success(taskToken=task["taskToken"],
                                     output=json.dumps({"done": job}))

        thread, result = self.worker(activity, work, name="w-hb")
        execution = self.start(arn, {"job": 7, "other": True})
        self.join(thread, result)
        self.assertEqual(result["input"], {"job": 7})
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"done": 7})
        events = self.history(execution)
        types = event_types(events)
        for t in ("ActivityScheduled", "ActivityStarted", "ActivitySucceeded"):
            self.assertIn(t, types)
        scheduled = events[types.index("ActivityScheduled")]["activityScheduledEventDetails"]
        self.assertEqual(scheduled["resource"], activity)
        self.assertEqual(scheduled["heartbeatInSeconds"], 2)
        # The token is spent.
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_success(taskToken=result["token"], output="{}")
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_heartbeat(taskToken=result["token"])

    def test_activity_started_event_names_the_worker(self):
        activity = self.create_activity()
        arn = self.activity_machine(activity)
        execution = self.start(arn)
        time.sleep(1)  # the task waits 1 s for a worker
        task = self.sfn.get_activity_task(activityArn=activity, workerName="named-worker")
        self.sfn.send_task_success(taskToken=task["taskToken"], output="{}")
        self.wait_done(execution)
        events = self.history(execution)
        started = [e for e in events if e["type"] == "ActivityStarted"]
        self.assertEqual(len(started), 1)
        self.assertEqual(started[0]["activityStartedEventDetails"].get("workerName"),
                         "named-worker")
        # ActivityStarted is when a worker took the task, not when it was scheduled.
        scheduled = next(e for e in events if e["type"] == "ActivityScheduled")
        self.assertGreaterEqual(
            (started[0]["timestamp"] - scheduled["timestamp"]).total_seconds(), 0.9)

    def test_worker_failure_is_caught(self):
        activity = self.create_activity()
        arn = self.create_machine(machine({
            "Work": {"Type": "Task", "Resource": activity, "Next": "Ok",
                     "Catch": [{"ErrorEquals": ["Worker.Broken"], "ResultPath": "$.err",
                                "Next": "Handled"}]},
            "Ok": {"Type": "Succeed"},
            "Handled": {"Type": "Pass", "End": True},
        }))

        def work(client, task):
            client.send_task_failure(taskToken=task["taskToken"], error="Worker.Broken",
                                     cause="disk full")

        thread, result = self.worker(activity, work)
        out = self.run_ok(arn, {"id": 3})
        self.join(thread, result)
        self.assertEqual(result["input"], {"id": 3})
        self.assertEqual(out, {"id": 3, "err": {"Error": "Worker.Broken", "Cause": "disk full"}})

    def test_worker_failure_uncaught_fails_execution(self):
        activity = self.create_activity()
        arn = self.activity_machine(activity)

        def work(client, task):
            client.send_task_failure(taskToken=task["taskToken"], error="Worker.Broken",
                                     cause="disk full")

        thread, result = self.worker(activity, work)
        execution = self.start(arn)
        self.join(thread, result)
        d = self.wait_done(execution)
        self.assertEqual((d["status"], d["error"], d["cause"]),
                         ("FAILED", "Worker.Broken", "disk full"))
        self.assertIn("ActivityFailed", event_types(self.history(execution)))

    def test_task_timeout_without_worker(self):
        activity = self.create_activity()
        arn = self.activity_machine(activity, TimeoutSeconds=1)
        execution = self.start(arn)
        d = self.wait_done(execution, timeout=15)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Timeout")
        self.assertIn("ActivityTimedOut", event_types(self.history(execution)))

    def test_heartbeat_timeout_then_late_success(self):
        activity = self.create_activity()
        arn = self.activity_machine(activity, TimeoutSeconds=60, HeartbeatSeconds=1)
        execution = self.start(arn)
        worker = self.server.client()
        task = worker.get_activity_task(activityArn=activity, workerName="silent")
        self.assertTrue(task.get("taskToken"))
        d = self.wait_done(execution, timeout=15)
        self.assertEqual(d["status"], "FAILED")
        # AWS: States.HeartbeatTimeout (which a Catch on States.Timeout also matches).
        self.assertEqual(d["error"], "States.HeartbeatTimeout")
        self.assertIn("ActivityTimedOut", event_types(self.history(execution)))
        # AWS answers a worker that reports after the timeout with TaskTimedOut.
        with self.assertRaises(self.sfn.exceptions.TaskTimedOut):
            worker.send_task_success(taskToken=task["taskToken"], output="{}")

    def test_heartbeat_timeout_caught_as_states_timeout(self):
        activity = self.create_activity()
        arn = self.create_machine(machine({
            "Work": {"Type": "Task", "Resource": activity, "HeartbeatSeconds": 1,
                     "Next": "Ok", "Catch": [{"ErrorEquals": ["States.Timeout"],
                                              "ResultPath": "$.err", "Next": "Caught"}]},
            "Ok": {"Type": "Succeed"},
            "Caught": {"Type": "Pass", "End": True},
        }))
        execution = self.start(arn)
        self.assertTrue(self.sfn.get_activity_task(activityArn=activity).get("taskToken"))
        d = self.wait_done(execution, timeout=15)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertIn(json.loads(d["output"])["err"]["Error"],
                      ("States.HeartbeatTimeout", "States.Timeout"))

    def test_unknown_token(self):
        token = "AAAAKgAAAAIAAAAAAAAAA" + "x" * 40
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_success(taskToken=token, output="{}")
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_failure(taskToken=token, error="E", cause="C")
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_heartbeat(taskToken=token)

    def test_sequential_worker_cycles(self):
        # One client, one call at a time: start, take the task, answer it; 40 times. No call
        # may fail (a lone client must never see ServiceUnavailable).
        activity = self.create_activity()
        arn = self.activity_machine(activity)
        errors, executions = [], []
        for i in range(40):
            try:
                executions.append(self.start(arn, {"i": i}))
                token = self.sfn.get_activity_task(activityArn=activity)["taskToken"]
                self.sfn.send_task_success(taskToken=token, output=json.dumps({"i": i}))
            except self.sfn.exceptions.ClientError as e:
                errors.append(f"cycle {i}: {e}")
        self.assertEqual(errors, [])
        for i, execution in enumerate(executions):
            self.assertEqual(json.loads(self.wait_done(execution)["output"]), {"i": i})

    def test_one_task_goes_to_one_worker(self):
        activity = self.create_activity()
        arn = self.activity_machine(activity)
        execution = self.start(arn, {"n": 1})
        first = self.wait_for(lambda: self.sfn.get_activity_task(activityArn=activity)
                              .get("taskToken"), what="the activity task")
        second = self.server.client(read_timeout=5)
        # A second worker must not get the same task; its poll is still waiting after 2 s.
        got = {}

        def poll():
            try:
                got.update(second.get_activity_task(activityArn=activity))
            except Exception:  # the client's 5 s read timeout: nothing came, as expected
                pass

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        thread.join(timeout=2)
        self.assertFalse(got.get("taskToken"))
        self.sfn.send_task_success(taskToken=first, output='"ok"')
        self.assertEqual(json.loads(self.wait_done(execution)["output"]), "ok")


# The mock config of MockTest (AWS Step Functions Local's MockConfigFile format).
MOCKS = {
    "StateMachines": {
        "mock-map": {"TestCases": {"AllOk": {"Work": "WorkOk"}}},
        "mock-retry": {"TestCases": {
            "BusyTwiceThenOk": {"Flaky": "BusyTwiceThenOk"},
            "AlwaysBusy": {"Flaky": "AlwaysBusy"},
        }},
        "mock-express": {"TestCases": {"Once": {"Work": "OnceOk"}}},
    },
    "MockedResponses": {
        "WorkOk": {"0-19": {"Return": {"StatusCode": 200, "Payload": {"ok": True}}}},
        "BusyTwiceThenOk": {
            "0-1": {"Throw": {"Error": "Service.Busy", "Cause": "try later"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"attempt": 3}}},
        },
        "AlwaysBusy": {"0-9": {"Throw": {"Error": "Service.Busy", "Cause": "still busy"}}},
        "OnceOk": {"0": {"Return": {"Payload": "express-ok"}}},
    },
}

LAMBDA = "arn:aws:states:::lambda:invoke"


class MockTest(ServeTestCase):
    """Mocked tasks (--mock-config): Map over 20 items, Retry, StartSyncExecution."""
    mock_config = MOCKS

    def test_map_over_20_items(self):
        arn = self.create_machine(machine({
            "Fan": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4, "End": True,
                    "Iterator": machine({
                        "Work": {"Type": "Task", "Resource": LAMBDA,
                                 "Parameters": {"FunctionName": "work", "Payload.$": "$"},
                                 "ResultSelector": {"ok.$": "$.Payload.ok"},
                                 "ResultPath": "$.result", "End": True}})},
        }), name="mock-map")
        items = [{"i": i} for i in range(20)]
        # Twice: each execution numbers its invocations from 0.
        for _ in range(2):
            out = self.run_ok(arn + "#AllOk", {"items": items})
            self.assertEqual(out, [{"i": i, "result": {"ok": True}} for i in range(20)])

    def test_retry_mocked_failures_then_success(self):
        arn = self.create_machine(machine({
            "Flaky": {"Type": "Task", "Resource": LAMBDA, "End": True,
                      "Parameters": {"FunctionName": "flaky"},
                      "OutputPath": "$.Payload",
                      "Retry": [{"ErrorEquals": ["Service.Busy"], "IntervalSeconds": 1,
                                 "MaxAttempts": 3, "BackoffRate": 1.0}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err",
                                 "Next": "GaveUp"}]},
            "GaveUp": {"Type": "Pass", "End": True},
        }), name="mock-retry")
        execution = self.start(arn + "#BusyTwiceThenOk", {})
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"attempt": 3})
        types = event_types(self.history(execution))
        self.assertEqual(types.count("TaskFailed"), 2)
        self.assertEqual(types.count("TaskSucceeded"), 1)
        self.assertEqual(types.count("TaskScheduled"), 3)
        # MaxAttempts 3 = 4 attempts, then the Catch.
        execution = self.start(arn + "#AlwaysBusy", {"k": 1})
        d = self.wait_done(execution, timeout=30)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]),
                         {"k": 1, "err": {"Error": "Service.Busy", "Cause": "still busy"}})
        self.assertEqual(event_types(self.history(execution)).count("TaskFailed"), 4)

    def test_start_sync_execution_with_mock(self):
        arn = self.create_machine(machine({
            "Work": {"Type": "Task", "Resource": LAMBDA, "End": True,
                     "Parameters": {"FunctionName": "w"}, "OutputPath": "$.Payload"},
        }), name="mock-express", type="EXPRESS")
        # Twice: each execution numbers its invocations from 0.
        for _ in range(2):
            r = self.sfn.start_sync_execution(stateMachineArn=arn + "#Once")
            self.assertEqual(r["status"], "SUCCEEDED", r)
            self.assertEqual(json.loads(r["output"]), "express-ok")

    def test_unmocked_task_fails(self):
        arn = self.create_machine(machine({
            "Other": {"Type": "Task", "Resource": LAMBDA, "End": True,
                      "Parameters": {"FunctionName": "x"}}}))
        d = self.wait_done(self.start(arn))
        self.assertEqual(d["status"], "FAILED")


class ZLongPollTest(unittest.TestCase):
    """GetActivityTask with no task answers without a token after its 60 s long poll.

    The poll runs in a thread started by setUpModule, so the rest of the suite runs meanwhile;
    this class (named to sort last: unittest runs classes in alphabetical order) collects it.
    """

    def test_zz_get_activity_task_without_task_returns_no_token(self):
        thread, result, started = LONG_POLL
        thread.join(timeout=max(1, 75 - (time.monotonic() - started)))
        self.assertFalse(thread.is_alive(), "GetActivityTask did not answer within 75 s")
        if "error" in result:
            raise result["error"]
        self.assertFalse(result["answer"].get("taskToken"))
        self.assertFalse(result["answer"].get("input"))
        self.assertGreaterEqual(result["seconds"], 50)


LONG_POLL_SERVER = None
LONG_POLL = None


def setUpModule():
    global LONG_POLL_SERVER, LONG_POLL
    LONG_POLL_SERVER = Server()
    client = LONG_POLL_SERVER.client()
    activity = client.create_activity(name="idle")["activityArn"]
    result = {}

    def poll():
        t0 = time.monotonic()
        try:
            result["answer"] = client.get_activity_task(activityArn=activity, workerName="idle")
        except Exception as e:
            result["error"] = e
        result["seconds"] = time.monotonic() - t0

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    LONG_POLL = (thread, result, time.monotonic())


def tearDownModule():
    log = LONG_POLL_SERVER.log()
    code = LONG_POLL_SERVER.stop()
    if code != 0:
        raise AssertionError(f"tactus serve exited with {code} after SIGTERM\n{log}")


if __name__ == "__main__":
    unittest.main()
