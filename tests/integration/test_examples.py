"""The flagship examples (examples/archive-stale-orders, refund-approval, customer-tiers) run as
their READMEs say: on `tactus serve` with the embedded store, created with the `tactus` CLI, with
a local webhook receiver standing in for the user's endpoint. Each example gets its own server.
What is asserted is what a user would check: the data in MongoDB afterwards (read back with
MongoDB tasks, as test_serve_mongodb_tasks does), the executions' outputs and the webhook calls.

- archive-stale-orders: 1,500 orders of various ages; the 1,200 older than 30 days move to
  cold.orders_archive in three batches, each exactly once and stamped, the 300 fresh ones stay;
  the webhook gets the counts. Run again: nothing to do. An old order whose _id is already in
  the archive makes the archive fail with MongoDB.DuplicateKey: ops.failures gets a record, the
  webhook a failure notice, the execution fails and nothing moves. The daily schedule
  (schedule.json) is created through the API and has its next fire time, 03:00 Berlin time.
- refund-approval: the trigger (trigger.json) starts one execution per inserted refund; small
  amounts are auto-approved, big ones wait with a request in shop.approvals holding the task
  token; `tactus tasks approve` and `tactus tasks reject` decide them.
- customer-tiers: each customer's tier follows their order total.
- Every examples/*/*.asl.json passes `tactus validate`, and every example has a README.

Run by CTest with TACTUS_BIN pointing at the built binary (python3 with boto3).
"""
import datetime
import json
import os
import subprocess
import threading
import time
import unittest
import urllib.request
import zoneinfo

from serve_util import ACCOUNT, REGION, ServeTestCase, TACTUS, loopback_http

EXAMPLES = os.environ.get(
    "EXAMPLES", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples"))
M = "arn:tactus:states:::mongodb:"


def example(name, file):
    return os.path.join(EXAMPLES, name, file)


def load(name, file):
    with open(example(name, file), encoding="utf-8") as f:
        return json.load(f)


class Webhook:
    """An HTTP endpoint on 127.0.0.1 (port 0) that records every request's JSON body."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

        def record(handler, body):
            with self.lock:
                self.calls.append({"path": handler.path, "body": json.loads(body or b"null")})

        self.server, self.url = loopback_http(record)

    def bodies(self, path=None):
        with self.lock:
            return [c["body"] for c in self.calls if path is None or c["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class DefinitionsTest(unittest.TestCase):
    def test_every_definition_validates(self):
        found = []
        for name in sorted(os.listdir(EXAMPLES)):
            folder = os.path.join(EXAMPLES, name)
            if not os.path.isdir(folder):
                continue
            self.assertTrue(os.path.exists(os.path.join(folder, "README.md")), name)
            for file in sorted(os.listdir(folder)):
                if file.endswith(".asl.json"):
                    found.append(f"{name}/{file}")
                    p = subprocess.run([TACTUS, "validate", os.path.join(folder, file)],
                                       capture_output=True, text=True, timeout=60)
                    self.assertEqual(p.returncode, 0, f"{name}/{file}: {p.stdout}{p.stderr}")
        for expected in ("archive-stale-orders/definition.asl.json",
                         "refund-approval/definition.asl.json",
                         "customer-tiers/definition.asl.json"):
            self.assertIn(expected, found)


class ExampleTestCase(ServeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.webhook = Webhook()

    @classmethod
    def tearDownClass(cls):
        cls.webhook.close()
        super().tearDownClass()

    def cli(self, *args, check=True):
        p = subprocess.run([TACTUS, *args, "--endpoint", self.server.endpoint],
                           capture_output=True, text=True, timeout=120, env=self.server.env())
        if check:
            self.assertEqual(p.returncode, 0, f"tactus {' '.join(args)}: {p.stdout}{p.stderr}")
        return p

    def create_example(self, name, file="definition.asl.json", machine=None):
        """`tactus state-machines create`, as the READMEs say; returns the ARN."""
        arn = self.cli("state-machines", "create", machine or name,
                       "--definition", example(name, file)).stdout.strip()
        self.assertTrue(arn.startswith("arn:aws:states:"), arn)
        return arn

    def mongo(self, op, **parameters):
        """One MongoDB task, run as a one-state execution; answers its result."""
        definition = {"StartAt": "Op", "States": {"Op": {
            "Type": "Task", "Resource": M + op, "Parameters": parameters, "End": True}}}
        return self.run_ok(self.create_machine(definition), {})

    def count(self, database, collection, filter=None):
        return self.mongo("countDocuments", Database=database, Collection=collection,
                          Filter=filter or {})["Count"]

    def find(self, database, collection, filter=None, **options):
        out = self.mongo("find", Database=database, Collection=collection, Filter=filter or {},
                         Options=options)
        self.assertNotIn("Truncated", out)
        return out["Documents"]

    def rest(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = self.server.signed_headers(method, path, data or b"",
                                             {"Content-Type": "application/json"})
        request = urllib.request.Request(self.server.endpoint + path, data=data, method=method,
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def wait_webhook(self, path, n, timeout=30):
        return self.wait_for(lambda: len(self.webhook.bodies(path)) >= n and
                             self.webhook.bodies(path), timeout, f"{n} calls to {path}")


def date(dt):
    return {"$date": dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


class ArchiveStaleOrdersTest(ExampleTestCase):
    OLD, FRESH = 1200, 300

    def seed_orders(self, now):
        seeding = self.create_machine({"StartAt": "Insert", "States": {"Insert": {
            "Type": "Task", "Resource": M + "insertMany",
            "Parameters": {"Database": "shop", "Collection": "orders", "Documents.$": "$.orders"},
            "ResultSelector": {"n.$": "$.InsertedCount"}, "End": True}}})
        orders, old = [], set()
        for i in range(self.OLD + self.FRESH):
            order_id = "o-%05d" % i
            if i % 5 == 4:  # fresh: 0 to 28 days old
                age = datetime.timedelta(days=i % 29, hours=i % 7)
            else:           # stale: 31 to 400 days old
                age = datetime.timedelta(days=31 + i % 370, hours=i % 11)
                old.add(order_id)
            orders.append({"_id": order_id, "customerId": "c-%03d" % (i % 97),
                           "total": 10 + i % 300, "createdAt": date(now - age)})
        for start in range(0, len(orders), 500):
            out = self.run_ok(seeding, {"orders": orders[start:start + 500]})
            self.assertEqual(out["n"], len(orders[start:start + 500]))
        self.assertEqual(len(old), self.OLD)
        return old

    def test_archive_then_nothing_to_do_then_a_failure(self):
        hook = self.webhook.url + "/hooks/archive"
        machine = self.create_example("archive-stale-orders")
        now = datetime.datetime.now(datetime.timezone.utc)
        old = self.seed_orders(now)

        # 1. The first run moves exactly the stale orders, in batches of 500.
        started = time.monotonic()
        execution = self.cli("executions", "start", "archive-stale-orders", "--name", "first",
                             "--input", json.dumps({"webhook": hook})).stdout.strip()
        self.assertTrue(execution.endswith(":first"), execution)
        waited = self.cli("executions", "wait", "archive-stale-orders:first", "--timeout", "240")
        out = json.loads(waited.stdout)
        self.assertEqual(out, {"moved": self.OLD, "batches": 3, "kept": self.FRESH},
                         f"after {time.monotonic() - started:.1f} s")

        self.assertEqual(self.count("shop", "orders"), self.FRESH)
        cutoff = date(now - datetime.timedelta(days=30))
        self.assertEqual(self.count("shop", "orders", {"createdAt": {"$lt": cutoff}}), 0)
        archived = self.find("cold", "orders_archive", projection={"_id": 1})
        self.assertEqual(len(archived), self.OLD)
        self.assertEqual({d["_id"] for d in archived}, old)  # each old order once, no other
        self.assertEqual(self.count("cold", "orders_archive", {
            "archivedBy": execution,
            "archivedAt": {"$gte": {"$date": "2000-01-01T00:00:00Z"}},
            "createdAt": {"$lt": cutoff}}), self.OLD)
        # Three batches, three stamps, as many documents as each batch's Moved.
        batches = self.mongo("aggregate", Database="cold", Collection="orders_archive", Pipeline=[
            {"$group": {"_id": "$archivedAt", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}])
        self.assertEqual([d["n"] for d in batches["Documents"]], [500, 500, 200])

        calls = self.wait_webhook("/hooks/archive", 1)
        self.assertEqual(len(calls), 1, calls)
        self.assertEqual(calls[0], {"workflow": "archive-stale-orders", "status": "archived",
                                    "moved": self.OLD, "batches": 3, "kept": self.FRESH,
                                    "target": "cold.orders_archive", "execution": execution})
        events = self.cli("executions", "history", "archive-stale-orders:first").stdout
        self.assertEqual(events.count("TaskStateEntered"), 6, events)  # count, 3 batches, kept, notify

        # 2. Again: nothing to do.
        self.cli("executions", "start", "archive-stale-orders", "--name", "second",
                 "--input", json.dumps({"webhook": hook}))
        out = json.loads(self.cli("executions", "wait", "archive-stale-orders:second").stdout)
        self.assertEqual(out, {"count": 0})
        calls = self.wait_webhook("/hooks/archive", 2)
        self.assertEqual(calls[1]["status"], "nothing to do")
        self.assertEqual(calls[1]["moved"], 0)
        self.assertEqual(self.count("cold", "orders_archive"), self.OLD)

        # 3. An order restored from the archive (its copy still there) is stale again: the
        # archive refuses the duplicate _id, the failure is recorded and notified, nothing moves.
        restored = {"_id": "o-00000", "customerId": "c-000", "total": 10,
                    "createdAt": date(now - datetime.timedelta(days=90))}
        self.mongo("insertOne", Database="shop", Collection="orders", Document=restored)
        self.cli("executions", "start", "archive-stale-orders", "--name", "third",
                 "--input", json.dumps({"webhook": hook}))
        failed = self.cli("executions", "wait", "archive-stale-orders:third", check=False)
        self.assertEqual(failed.returncode, 1, failed.stdout + failed.stderr)
        third = f"{machine.replace(':stateMachine:', ':execution:')}:third"
        d = self.sfn.describe_execution(executionArn=third)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "MongoDB.DuplicateKey")
        failures = self.find("ops", "failures", projection={"_id": 0})
        self.assertEqual(len(failures), 1, failures)
        self.assertEqual(failures[0]["workflow"], "archive-stale-orders")
        self.assertEqual(failures[0]["execution"], third)
        self.assertEqual(failures[0]["error"], "MongoDB.DuplicateKey")
        self.assertIn("11000", failures[0]["cause"])
        self.assertIn("$date", failures[0]["at"])
        calls = self.wait_webhook("/hooks/archive", 3)
        self.assertEqual(calls[2]["status"], "failed")
        self.assertEqual(calls[2]["error"], "MongoDB.DuplicateKey")
        self.assertEqual(calls[2]["execution"], third)
        self.assertEqual(self.count("shop", "orders"), self.FRESH + 1)
        self.assertEqual(self.count("cold", "orders_archive"), self.OLD)

    def test_daily_schedule(self):
        machine = self.create_example("archive-stale-orders", machine="archive-stale-orders")
        spec = load("archive-stale-orders", "schedule.json")
        self.assertEqual(spec["Target"]["Arn"], machine)
        created = self.rest("POST", "/schedules/archive-stale-orders", spec)
        self.assertTrue(created["ScheduleArn"].endswith(":schedule/default/archive-stale-orders"),
                        created)
        got = self.rest("GET", "/schedules/archive-stale-orders")
        self.assertEqual(got["ScheduleExpression"], "cron(0 3 * * ? *)")
        self.assertEqual(got["ScheduleExpressionTimezone"], "Europe/Berlin")
        self.assertEqual(got["State"], "ENABLED")
        self.assertEqual(json.loads(got["Target"]["Input"])["webhook"],
                         "http://127.0.0.1:9000/hooks/archive")
        # The next 03:00 on Berlin's wall clock after now.
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        now = datetime.datetime.now(berlin)
        expected = now.replace(hour=3, minute=0, second=0, microsecond=0)
        if expected <= now:
            expected = (now + datetime.timedelta(days=1)).replace(hour=3, minute=0, second=0,
                                                                   microsecond=0)
        expected = expected.replace(tzinfo=None).replace(tzinfo=berlin)  # re-resolve the offset
        self.assertEqual(got["NextFireTime"], expected.timestamp(), got)
        listed = self.rest("GET", "/schedules")
        self.assertIn("archive-stale-orders", [s["Name"] for s in listed["Schedules"]])


class RefundApprovalTest(ExampleTestCase):
    def executions(self, machine):
        pages = self.sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
        return [e for page in pages for e in page["executions"]]

    def test_trigger_auto_approves_small_and_waits_for_a_person_on_big(self):
        machine = self.create_example("refund-approval")
        spec = load("refund-approval", "trigger.json")
        self.assertEqual(spec["Target"]["Arn"], machine)
        self.rest("POST", "/v1/triggers/refund-approval", spec)
        self.assertEqual(self.rest("GET", "/v1/triggers/refund-approval")["State"], "ENABLED")

        setup = self.create_example("refund-approval", "setup.asl.json", machine="refund-setup")
        settings = load("refund-approval", "setup.input.json")
        self.assertEqual(settings["threshold"], 100)
        hook = self.webhook.url + "/hooks/refunds"
        refunds = [{"_id": "r-1", "amount": 24.90, "status": "requested"},
                   {"_id": "r-2", "amount": 349, "status": "requested"},
                   {"_id": "r-3", "amount": 1200, "status": "requested"},
                   {"_id": "r-4", "amount": 100, "status": "requested"}]  # not above: auto
        self.run_ok(setup, {"threshold": 100, "webhook": hook, "refunds": refunds})

        # One execution per insert; the small ones finish, the big ones wait for a person.
        self.wait_for(lambda: len(self.executions(machine)) == 4, 60, "4 executions")
        # The reviewer's inbox: pending.asl.json, an EXPRESS machine run with start-sync.
        self.cli("state-machines", "create", "pending-approvals", "--type", "EXPRESS",
                 "--definition", example("refund-approval", "pending.asl.json"))

        def pending():
            out = json.loads(self.cli("executions", "start-sync", "pending-approvals").stdout)
            return len(out) == 2 and sorted(out, key=lambda a: a["refundId"])

        approvals = self.wait_for(pending, 60, "2 approval requests")
        self.assertEqual([(a["refundId"], a["amount"]) for a in approvals],
                         [("r-2", 349), ("r-3", 1200)])
        for a in approvals:
            self.assertGreaterEqual(len(a["token"]), 32)
            self.assertIn("$date", a["requestedAt"])
        calls = self.wait_webhook("/hooks/refunds", 2, 60)
        self.assertEqual(sorted((c["refundId"], c["status"]) for c in calls),
                         [("r-1", "auto-approved"), ("r-4", "auto-approved")])
        statuses = {e["status"] for e in self.executions(machine)}
        self.assertEqual(sorted(e["status"] for e in self.executions(machine)),
                         ["RUNNING", "RUNNING", "SUCCEEDED", "SUCCEEDED"], statuses)

        # A person decides with the CLI.
        self.cli("tasks", "approve", approvals[0]["token"])
        self.cli("tasks", "reject", approvals[1]["token"], "--cause", "refund exceeds order total")
        self.wait_for(lambda: all(e["status"] != "RUNNING" for e in self.executions(machine)),
                      60, "the decided executions to finish")
        for e in self.executions(machine):
            self.assertEqual(e["status"], "SUCCEEDED", e)
        refunds = {r["_id"]: r for r in self.find("shop", "refunds")}
        self.assertEqual({k: r["status"] for k, r in refunds.items()},
                         {"r-1": "auto-approved", "r-2": "approved", "r-3": "rejected",
                          "r-4": "auto-approved"})
        for r in refunds.values():
            self.assertTrue(r["decidedBy"].startswith(machine.replace(":stateMachine:",
                                                                      ":execution:")), r)
        closed = self.find("shop", "approvals", {}, sort={"refundId": 1})
        self.assertEqual([(a["refundId"], a["status"], "token" in a) for a in closed],
                         [("r-2", "approved", False), ("r-3", "rejected", False)])
        calls = self.wait_webhook("/hooks/refunds", 4, 60)
        self.assertEqual(sorted((c["refundId"], c["amount"], c["status"]) for c in calls),
                         [("r-1", 24.9, "auto-approved"), ("r-2", 349, "approved"),
                          ("r-3", 1200, "rejected"), ("r-4", 100, "auto-approved")])
        # A token answers once.
        again = self.cli("tasks", "approve", approvals[0]["token"], check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("TaskDoesNotExist", again.stderr)


class CustomerTiersTest(ExampleTestCase):
    def test_tiers_follow_order_totals(self):
        setup = self.create_example("customer-tiers", "setup.asl.json", machine="tiers-setup")
        self.run_ok(setup, load("customer-tiers", "setup.input.json"))
        self.create_example("customer-tiers")
        self.cli("executions", "start", "customer-tiers", "--name", "run-1")
        out = json.loads(self.cli("executions", "wait", "customer-tiers:run-1",
                                  "--timeout", "120").stdout)
        customers = {c["_id"]: c for c in self.find("shop", "customers")}
        self.assertEqual({k: (c["tier"], c["orderTotal"], c["orderCount"])
                          for k, c in customers.items()},
                         {"c-01": ("gold", 1170, 3), "c-02": ("silver", 279.5, 2),
                          "c-03": ("bronze", 67.5, 3), "c-04": ("gold", 1250, 1),
                          "c-05": ("bronze", 0, 0), "c-06": ("bronze", 249.99, 2)})
        for c in customers.values():
            self.assertIn("$date", c["tieredAt"])
        self.assertEqual(out["customersTiered"], 6)
        self.assertEqual(out["byTier"], [
            {"customers": 3, "orderTotal": 317.49, "tier": "bronze"},
            {"customers": 2, "orderTotal": 2420, "tier": "gold"},
            {"customers": 1, "orderTotal": 279.5, "tier": "silver"}])


if __name__ == "__main__":
    unittest.main()
