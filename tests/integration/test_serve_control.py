"""Tactus's own routes of `tactus serve` (api/control_api.h) through their real clients: boto3's
EventBridge Scheduler client on /schedules, and the `tactus schedules|triggers|connections|
functions` commands, plus `tactus tasks approve|reject`.

Run by CTest with TACTUS_BIN pointing at the built binary (python3 with boto3).
"""
import datetime
import json
import os
import subprocess
import unittest

import boto3
import botocore.config
import botocore.exceptions

from serve_util import ACCOUNT, REGION, ROLE, TACTUS, ServeTestCase

SCHEDULE_PREFIX = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/"
SCHEDULER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/x"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


class SchedulerBoto3Test(ServeTestCase):
    """CreateSchedule, GetSchedule, ListSchedules, UpdateSchedule, DeleteSchedule as boto3 calls
    them, and the modeled errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheduler = cls.server.boto3_client("scheduler", read_timeout=60)

    def setUp(self):
        self.machine = self.create_machine(PASS)

    def create(self, name, expression="rate(5 minutes)", **extra):
        kwargs = {"Name": name, "ScheduleExpression": expression,
                  "FlexibleTimeWindow": {"Mode": "OFF"},
                  "Target": {"Arn": self.machine, "RoleArn": SCHEDULER_ROLE,
                             "Input": json.dumps({"from": "schedule"})}}
        kwargs.update(extra)
        return self.scheduler.create_schedule(**kwargs)

    def assertClientError(self, code, call, *args, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(*args, **kwargs)
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], code, caught.exception.response)
        self.assertTrue(error.get("Message"), caught.exception.response)
        return caught.exception

    def test_lifecycle(self):
        name = self.unique("nightly")
        created = self.create(name)
        self.assertEqual(created["ScheduleArn"], SCHEDULE_PREFIX + name)

        got = self.scheduler.get_schedule(Name=name)
        self.assertEqual(got["Arn"], SCHEDULE_PREFIX + name)
        self.assertEqual(got["Name"], name)
        self.assertEqual(got["GroupName"], "default")
        self.assertEqual(got["ScheduleExpression"], "rate(5 minutes)")
        self.assertEqual(got["ScheduleExpressionTimezone"], "UTC")
        self.assertEqual(got["State"], "ENABLED")
        self.assertEqual(got["FlexibleTimeWindow"], {"Mode": "OFF"})
        self.assertEqual(got["Target"]["Arn"], self.machine)
        self.assertEqual(got["Target"]["RoleArn"], SCHEDULER_ROLE)
        self.assertEqual(json.loads(got["Target"]["Input"]), {"from": "schedule"})
        self.assertEqual(got["ActionAfterCompletion"], "NONE")
        self.assertIsInstance(got["CreationDate"], datetime.datetime)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - got["CreationDate"]).total_seconds()), 120)
        self.assertEqual(self.scheduler.get_schedule(Name=name, GroupName="default")["Name"], name)

        start = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
        end = datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)
        updated = self.scheduler.update_schedule(
            Name=name, ScheduleExpression="cron(30 8 ? * MON-FRI *)",
            ScheduleExpressionTimezone="Europe/Paris",
            FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
            Target={"Arn": self.machine, "RoleArn": SCHEDULER_ROLE}, State="DISABLED",
            StartDate=start, EndDate=end, Description="weekday mornings")
        self.assertEqual(updated["ScheduleArn"], SCHEDULE_PREFIX + name)
        got = self.scheduler.get_schedule(Name=name)
        self.assertEqual(got["ScheduleExpression"], "cron(30 8 ? * MON-FRI *)")
        self.assertEqual(got["ScheduleExpressionTimezone"], "Europe/Paris")
        self.assertEqual(got["FlexibleTimeWindow"],
                         {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15})
        self.assertEqual(got["State"], "DISABLED")
        self.assertEqual(got["StartDate"], start)
        self.assertEqual(got["EndDate"], end)
        self.assertEqual(got["Description"], "weekday mornings")
        self.assertEqual(got["Target"]["Input"], "{}")
        self.assertGreaterEqual(got["LastModificationDate"], got["CreationDate"])

        self.assertEqual(self.scheduler.delete_schedule(Name=name)["ResponseMetadata"]
                         ["HTTPStatusCode"], 200)
        self.assertClientError("ResourceNotFoundException", self.scheduler.get_schedule,
                               Name=name)
        with self.assertRaises(self.scheduler.exceptions.ResourceNotFoundException):
            self.scheduler.delete_schedule(Name=name)

    def test_list_pages(self):
        prefix = self.unique("page")
        names = [f"{prefix}-{i}" for i in range(5)]
        for i, name in enumerate(names):
            self.create(name, State="DISABLED" if i == 2 else "ENABLED")
        page = self.scheduler.list_schedules(NamePrefix=prefix, MaxResults=2)
        self.assertEqual([s["Name"] for s in page["Schedules"]], names[:2])
        self.assertIn("NextToken", page)
        summary = page["Schedules"][0]
        self.assertEqual(summary["Arn"], SCHEDULE_PREFIX + names[0])
        self.assertEqual(summary["GroupName"], "default")
        self.assertEqual(summary["State"], "ENABLED")
        self.assertEqual(summary["Target"], {"Arn": self.machine})
        self.assertIsInstance(summary["CreationDate"], datetime.datetime)
        self.assertIsInstance(summary["LastModificationDate"], datetime.datetime)

        seen = []
        for p in self.scheduler.get_paginator("list_schedules").paginate(
                NamePrefix=prefix, PaginationConfig={"PageSize": 2}):
            self.assertLessEqual(len(p["Schedules"]), 2)
            seen += [s["Name"] for s in p["Schedules"]]
        self.assertEqual(seen, names)
        disabled = self.scheduler.list_schedules(NamePrefix=prefix, State="DISABLED")
        self.assertEqual([s["Name"] for s in disabled["Schedules"]], [names[2]])
        self.assertNotIn("NextToken", disabled)
        everything = self.scheduler.list_schedules()
        self.assertTrue(set(names) <= {s["Name"] for s in everything["Schedules"]})

    def test_errors(self):
        name = self.unique("err")
        self.create(name)
        e = self.assertClientError("ConflictException", self.create, name)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        with self.assertRaises(self.scheduler.exceptions.ConflictException):
            self.create(name)
        e = self.assertClientError("ResourceNotFoundException", self.scheduler.get_schedule,
                                   Name=self.unique("missing"))
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertClientError("ResourceNotFoundException", self.scheduler.update_schedule,
                               Name=self.unique("missing"), ScheduleExpression="rate(1 hour)",
                               FlexibleTimeWindow={"Mode": "OFF"},
                               Target={"Arn": self.machine, "RoleArn": SCHEDULER_ROLE})
        e = self.assertClientError("ValidationException", self.create, self.unique("bad"),
                                   expression="rate(5 fortnights)")
        self.assertIn("ScheduleExpression", e.response["Error"]["Message"])
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        with self.assertRaises(self.scheduler.exceptions.ValidationException):
            self.create(self.unique("bad"), expression="cron(99 * * * ? *)")
        e = self.assertClientError(
            "ValidationException", self.scheduler.create_schedule, Name=self.unique("bad"),
            ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:queue", "RoleArn": SCHEDULER_ROLE})
        self.assertIn("Target.Arn", e.response["Error"]["Message"])
        e = self.assertClientError(
            "ValidationException", self.create, self.unique("bad"),
            FlexibleTimeWindow={"Mode": "FLEXIBLE"})
        self.assertIn("MaximumWindowInMinutes", e.response["Error"]["Message"])
        self.assertClientError("ResourceNotFoundException", self.scheduler.get_schedule,
                               Name=name, GroupName="other")

    def test_one_time_schedule_starts_an_execution(self):
        name = self.unique("once")
        when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=3))
        self.create(name, expression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})")

        def started():
            return self.sfn.list_executions(stateMachineArn=self.machine)["executions"]
        executions = self.wait_for(started, timeout=60, what="the schedule's execution")
        self.assertEqual(len(executions), 1)
        self.assertTrue(executions[0]["name"].startswith(name + "-"), executions[0]["name"])
        d = self.wait_done(executions[0]["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["input"]), {"from": "schedule"})


class CliControlTest(ServeTestCase):
    """`tactus connections|functions|schedules|triggers` and `tactus tasks approve|reject`."""

    def cli(self, *args, timeout=60):
        """Runs `tactus ARGS --endpoint <server>`; returns the CompletedProcess."""
        env = self.server.env(MONGOC_DISABLE_SHM="1")
        return subprocess.run([TACTUS, *args, "--endpoint", self.server.endpoint],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, env=env)

    def ok(self, *args):
        r = self.cli(*args)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}\n{self.server.log()}")
        self.assertNotIn("secret", r.stdout)
        return json.loads(r.stdout)

    def fails(self, code, *args, exit_code=1):
        r = self.cli(*args)
        self.assertEqual(r.returncode, exit_code, f"{args}: {r.stdout}{r.stderr}")
        self.assertIn(code, r.stderr)
        self.assertNotIn("secret", r.stdout + r.stderr)
        return r.stderr

    def test_connections(self):
        name = self.unique("warehouse")
        created = self.ok("connections", "create", name, "--uri", "mongodb://u:secret@h/",
                          "--description", "the warehouse")
        self.assertEqual(created["ConnectionArn"],
                         f"arn:tactus:connections:{REGION}:{ACCOUNT}:connection/{name}")
        got = self.ok("connections", "get", name)
        self.assertEqual(got["Uri"], "mongodb://u:****@h/")
        self.assertEqual(got["Description"], "the warehouse")
        listed = self.ok("connections", "list")["Connections"]
        self.assertIn(name, [c["Name"] for c in listed])
        self.fails("ConflictException", "connections", "create", name, "--uri",
                   "mongodb://u:secret@h/")
        message = self.fails("ValidationException", "connections", "create", self.unique("bad"),
                             "--uri", "postgres://u:secret@h/")
        self.assertIn("Uri", message)
        self.assertEqual(self.ok("connections", "delete", name), {})
        self.fails("ResourceNotFoundException", "connections", "get", name)
        self.fails("ResourceNotFoundException", "connections", "delete", name)

    def test_functions(self):
        name = self.unique("resize")
        created = self.ok("functions", "register", name, "--url", "https://fn.example.com/r",
                          "--header", "X-Api-Key=k1", "--header", "X-Team=imaging")
        self.assertEqual(created["FunctionArn"],
                         f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
        got = self.ok("functions", "get", name)
        self.assertEqual(got["Url"], "https://fn.example.com/r")
        # Header values may be credentials: shown masked, never in clear.
        self.assertEqual(got["Headers"], {"X-Api-Key": "****", "X-Team": "****"})
        self.assertIn(name, [f["Name"] for f in self.ok("functions", "list")["Functions"]])
        self.fails("ConflictException", "functions", "register", name, "--url", "http://x/")
        self.assertIn("Url", self.fails("ValidationException", "functions", "register",
                                        self.unique("bad"), "--url", "ftp://x/"))
        self.fails("", "functions", "register", self.unique("bad"), "--url", "http://x/",
                   "--header", "novalue", exit_code=2)
        self.assertEqual(self.ok("functions", "delete", name), {})
        self.fails("ResourceNotFoundException", "functions", "get", name)

    def test_schedules(self):
        machine = self.unique("target")
        machine_arn = self.create_machine(PASS, name=machine)
        name = self.unique("report")
        created = self.ok("schedules", "create", name, "--expression", "rate(5 minutes)",
                          "--state-machine", machine, "--input", '{"kind": "daily"}',
                          "--flexible-window", "10", "--catch-up", "ALL",
                          "--start-date", "2030-01-01T00:00:00Z", "--end-date", "2031-01-01",
                          "--description", "reports")
        self.assertEqual(created["ScheduleArn"], SCHEDULE_PREFIX + name)
        got = self.ok("schedules", "get", name)
        self.assertEqual(got["ScheduleExpression"], "rate(5 minutes)")
        self.assertEqual(got["Target"]["Arn"], machine_arn)
        self.assertEqual(json.loads(got["Target"]["Input"]), {"kind": "daily"})
        self.assertEqual(got["FlexibleTimeWindow"],
                         {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10})
        self.assertEqual(got["CatchUp"], "ALL")
        self.assertEqual(got["StartDate"], 1893456000)
        self.assertEqual(got["EndDate"], 1924992000)
        self.assertEqual(got["State"], "ENABLED")

        # update changes what is given and keeps the rest.
        self.ok("schedules", "update", name, "--expression", "cron(0 3 * * ? *)",
                "--timezone", "America/New_York", "--disabled")
        got = self.ok("schedules", "get", name)
        self.assertEqual(got["ScheduleExpression"], "cron(0 3 * * ? *)")
        self.assertEqual(got["ScheduleExpressionTimezone"], "America/New_York")
        self.assertEqual(got["State"], "DISABLED")
        self.assertEqual(got["CatchUp"], "ALL")
        self.assertEqual(got["Description"], "reports")
        self.assertEqual(json.loads(got["Target"]["Input"]), {"kind": "daily"})

        self.ok("schedules", "enable", name)
        self.assertEqual(self.ok("schedules", "get", name)["State"], "ENABLED")
        self.ok("schedules", "disable", name)
        self.assertEqual(self.ok("schedules", "get", name)["State"], "DISABLED")
        listed = self.ok("schedules", "list")["Schedules"]
        self.assertIn(name, [s["Name"] for s in listed])

        self.assertIn("ScheduleExpression",
                      self.fails("ValidationException", "schedules", "create", self.unique("b"),
                                 "--expression", "every day", "--state-machine", machine))
        self.fails("ConflictException", "schedules", "create", name, "--expression",
                   "rate(1 hour)", "--state-machine", machine)
        self.fails("--start-date", "schedules", "create", self.unique("b"), "--expression",
                   "rate(1 hour)", "--state-machine", machine, "--start-date", "soon",
                   exit_code=2)
        self.fails("--input", "schedules", "create", self.unique("b"), "--expression",
                   "rate(1 hour)", "--state-machine", machine, "--input", "{oops",
                   exit_code=2)
        self.assertEqual(self.ok("schedules", "delete", name), {})
        self.fails("ResourceNotFoundException", "schedules", "get", name)
        self.fails("ResourceNotFoundException", "schedules", "enable", name)

    def test_triggers(self):
        machine_arn = self.create_machine(PASS)
        name = self.unique("on-order")
        created = self.ok("triggers", "create", name, "--database", "shop", "--collection",
                          "orders", "--operations", "insert,update", "--match",
                          '{"fullDocument.total": {"$gt": 100}}', "--state-machine", machine_arn)
        self.assertEqual(created["TriggerArn"],
                         f"arn:tactus:triggers:{REGION}:{ACCOUNT}:trigger/{name}")
        got = self.ok("triggers", "get", name)
        self.assertEqual(got["Database"], "shop")
        self.assertEqual(got["Collection"], "orders")
        self.assertEqual(got["Operations"], ["insert", "update"])
        self.assertEqual(got["Match"], {"fullDocument.total": {"$gt": 100}})
        self.assertEqual(got["Target"]["Arn"], machine_arn)
        self.assertEqual(got["State"], "ENABLED")
        self.ok("triggers", "disable", name)
        self.assertEqual(self.ok("triggers", "get", name)["State"], "DISABLED")
        self.ok("triggers", "enable", name)
        self.assertEqual(self.ok("triggers", "get", name)["State"], "ENABLED")
        self.assertIn(name, [t["Name"] for t in self.ok("triggers", "list")["Triggers"]])
        self.assertIn("Operations",
                      self.fails("ValidationException", "triggers", "create", self.unique("b"),
                                 "--database", "shop", "--collection", "orders",
                                 "--operations", "drop", "--state-machine", machine_arn))
        self.fails("ConflictException", "triggers", "create", name, "--database", "shop",
                   "--collection", "orders", "--state-machine", machine_arn)
        self.assertEqual(self.ok("triggers", "delete", name), {})
        self.fails("ResourceNotFoundException", "triggers", "get", name)

    def approval_task(self):
        """An execution waiting in an activity task; its ARN and the task token."""
        activity = self.create_activity()
        machine = self.create_machine({"StartAt": "Approve", "States": {
            "Approve": {"Type": "Task", "Resource": activity, "End": True}}})
        execution = self.start(machine, {"order": 7})
        task = self.sfn.get_activity_task(activityArn=activity, workerName="person")
        self.assertTrue(task.get("taskToken"))
        return execution, task["taskToken"]

    def test_tasks_approve(self):
        execution, token = self.approval_task()
        r = self.cli("tasks", "approve", token)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"approved": True})

        execution, token = self.approval_task()
        r = self.cli("tasks", "approve", token, "--output", '{"approved": true, "by": "ann"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(self.wait_done(execution)["output"]),
                         {"approved": True, "by": "ann"})
        self.fails("TaskDoesNotExist", "tasks", "approve", token)

    def test_tasks_reject(self):
        execution, token = self.approval_task()
        r = self.cli("tasks", "reject", token, "--cause", "too expensive")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.wait_done(execution)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Rejected")
        self.assertEqual(d["cause"], "too expensive")

        execution, token = self.approval_task()
        r = self.cli("tasks", "reject", token, "--error", "Policy.Denied")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.wait_done(execution)["error"], "Policy.Denied")


if __name__ == "__main__":
    unittest.main()
