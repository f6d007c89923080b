"""kill -9 of `tactus serve` between an `archive` batch and its commit (docs/tasks.md, "Archiving
in batches": a batch is found, inserted into the target, deleted from the source and counted
inside the step's transaction, so it commits together with the task's result or not at all).

20,000 orders (a unique `orderNo`, a `createdAt` date, about 80 % older than 30 days) are seeded
with `insertMany` by a seeding state machine, 1,000 per execution to stay under the 256 KiB
payload limit. Then 4 executions archive the old orders in parallel, each its own part
(orderNo modulo 4), from `shop.orders` to `cold.orders_archive`, in batches of 200 with a Stamp
(`tier`, `archivedAt` = $$.State.EnteredTime, `archivedBy` = the execution), looping with a
Choice on `Remaining` and a 1 s Wait after about a third of the batches. The server is killed
with SIGKILL four times at random moments of the run (fixed seed, printed; override with
FAULT_SEED), each aimed at a batch in flight (the last event of an execution picked by the seed
is the batch's TaskStarted, and the kill follows 0 to 80 ms later), and restarted on the same
data directory with --lease-seconds 1.

Every execution must end SUCCEEDED. Then a verification state machine, run through the API on the
same server, reads the data back with `mongodb:countDocuments` and `mongodb:aggregate`: every old
order is in the archive exactly once (documents == distinct orderNo == expected, same sum of
orderNo), none is left in the source, every young order is still in the source and absent from
the archive, each archived document carries the stamp of its part's execution, and the
documents stamped with one batch's EnteredTime are exactly as many as that batch's recorded
`Moved`. Each execution's history must also add up: its recorded `Moved` sum to its part, and
each `Remaining` is the previous one less this batch's `Moved`. And at least one kill must have
come between a batch's scheduling and its commit (Archive entered before the kill, its
TaskSucceeded after it), or the test proved nothing.

Run by CTest with TACTUS_BIN pointing at the built binary.
"""
import datetime
import json
import os
import random
import sys
import time
import unittest

import faultlib

ORDERS = 20000
CHUNK = 1000          # orders per seeding execution (about 110 KB of input)
PARTS = 4             # archive executions, orderNo modulo PARTS
BATCH = 200
KILLS = 4
SEED = int(os.environ.get("FAULT_SEED", "20241129"))
M = "arn:tactus:states:::mongodb:"
SOURCE = {"Database": "shop", "Collection": "orders"}
TARGET = {"Database": "cold", "Collection": "orders_archive"}


def task(op, parameters, next_state=None, **extra):
    state = {"Type": "Task", "Resource": M + op, "Parameters": parameters, **extra}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


SEEDING = {
    "StartAt": "Insert",
    "States": {
        "Insert": task("insertMany", {**SOURCE, "Documents.$": "$.orders"}, None,
                       ResultSelector={"InsertedCount.$": "$.InsertedCount"}, ResultPath="$"),
    },
}

# One batch per Archive step; after it, a Choice on Remaining, then the next entry of the
# execution's `waits` (0 or 1 s) decides whether to pause before the next batch.
ARCHIVE = {
    "StartAt": "Archive",
    "States": {
        "Archive": task("archive", {
            **SOURCE, "Filter.$": "$.filter",
            "TargetDatabase": TARGET["Database"], "TargetCollection": TARGET["Collection"],
            "BatchSize": BATCH,
            "Stamp": {"archivedAt": {"$date.$": "$$.State.EnteredTime"}, "tier": "cold",
                      "part.$": "$.part"},
            "StampExecution": True},
            "More?",
            ResultSelector={"Moved.$": "$.Moved", "Remaining.$": "$.Remaining"},
            ResultPath="$.batch",
            Retry=[{"ErrorEquals": ["MongoDB.WriteConflict"], "MaxAttempts": 10,
                    "IntervalSeconds": 1, "BackoffRate": 1}]),
        "More?": {"Type": "Choice", "Choices": [
            {"Variable": "$.batch.Remaining", "NumericGreaterThan": 0, "Next": "Tick"}],
            "Default": "Done"},
        "Tick": {"Type": "Pass", "Parameters": {
            "i.$": "States.MathAdd($.tick.i, 1)",
            "wait.$": "States.ArrayGetItem($.waits, $.tick.i)"},
            "ResultPath": "$.tick", "Next": "Pause?"},
        "Pause?": {"Type": "Choice", "Choices": [
            {"Variable": "$.tick.wait", "NumericGreaterThan": 0, "Next": "Pause"}],
            "Default": "Archive"},
        "Pause": {"Type": "Wait", "SecondsPath": "$.tick.wait", "Next": "Archive"},
        "Done": {"Type": "Pass", "Parameters": {"part.$": "$.part", "batches.$": "$.tick.i"},
                 "End": True},
    },
}


def date(dt):
    return {"$date": dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)}


def verification(cutoff):
    old = {"createdAt": {"$lt": cutoff}}
    young = {"createdAt": {"$gte": cutoff}}

    def count(name, target, filter, next_state):
        return task("countDocuments", {**target, "Filter": filter}, next_state,
                    ResultSelector={"n.$": "$.Count"}, ResultPath="$." + name)

    def agg(name, target, pipeline, next_state):
        return task("aggregate", {**target, "Pipeline": pipeline}, next_state,
                    ResultSelector={"docs.$": "$.Documents", "count.$": "$.Count"},
                    ResultPath="$." + name)

    summary = [{"$group": {"_id": None, "n": {"$sum": 1}, "sum": {"$sum": "$orderNo"},
                           "orderNos": {"$addToSet": "$orderNo"}}},
               {"$project": {"_id": 0, "n": 1, "sum": 1, "distinct": {"$size": "$orderNos"}}}]
    return {
        "StartAt": "ArchiveAll",
        "States": {
            "ArchiveAll": count("archiveAll", TARGET, {}, "ArchiveOld"),
            "ArchiveOld": count("archiveOld", TARGET, old, "ArchiveYoung"),
            "ArchiveYoung": count("archiveYoung", TARGET, young, "ArchiveStamped"),
            "ArchiveStamped": count("archiveStamped", TARGET, {
                # A date compares only with dates. ({"$type": "date"} would be read as legacy
                # Extended JSON binary.)
                "tier": "cold", "archivedAt": {"$gte": {"$date": "2000-01-01T00:00:00Z"}},
                "archivedBy": {"$regex": "^arn:"}, "part": {"$in": list(range(PARTS))}},
                "ArchiveSummary"),
            "ArchiveSummary": agg("archiveSummary", TARGET, summary, "ArchiveDuplicates"),
            "ArchiveDuplicates": agg("archiveDuplicates", TARGET, [
                {"$group": {"_id": "$orderNo", "n": {"$sum": 1}}},
                {"$match": {"n": {"$ne": 1}}}, {"$sort": {"_id": 1}}, {"$limit": 50}],
                "ArchiveParts"),
            # Per part: who archived it, and whether each document is of that part.
            "ArchiveParts": agg("archiveParts", TARGET, [
                {"$group": {"_id": {"part": "$part", "by": "$archivedBy",
                                    "mod": {"$mod": ["$orderNo", PARTS]}},
                            "n": {"$sum": 1}}},
                {"$sort": {"_id.part": 1, "_id.by": 1, "_id.mod": 1}}], "ArchiveBatches"),
            # Per batch (the Archive state's EnteredTime): how many documents it moved.
            "ArchiveBatches": agg("archiveBatches", TARGET, [
                {"$group": {"_id": {"by": "$archivedBy", "at": "$archivedAt"},
                            "n": {"$sum": 1}}},
                {"$sort": {"_id.by": 1, "_id.at": 1}}], "SourceAll"),
            "SourceAll": count("sourceAll", SOURCE, {}, "SourceOld"),
            "SourceOld": count("sourceOld", SOURCE, old, "SourceStamped"),
            "SourceStamped": count("sourceStamped", SOURCE, {"$or": [
                {"tier": {"$exists": True}}, {"archivedBy": {"$exists": True}}]},
                "SourceSummary"),
            "SourceSummary": agg("sourceSummary", SOURCE, summary, None),
        },
    }


def make_orders(rng, now):
    """ORDERS orders; about 80 % older than 30 days. Returns (orders, old orderNos)."""
    orders, old = [], set()
    for n in range(1, ORDERS + 1):
        order_no = 100000 + n
        if rng.random() < 0.8:
            age = datetime.timedelta(days=rng.uniform(31, 400))
            old.add(order_no)
        else:
            age = datetime.timedelta(days=rng.uniform(0, 29))
        orders.append({"orderNo": order_no, "createdAt": date(now - age),
                       "customer": "c%04d" % rng.randrange(5000),
                       "total": round(rng.uniform(1, 500), 2), "status": "closed"})
    return orders, old


class ArchiveExactlyOnceTest(faultlib.OneDataDirTest):
    dir_prefix = "tactus-fault-archive-"

    def _run(self, sfn, machine, name, input, deadline):
        arn = faultlib.call(sfn.start_execution, self.stats, deadline, "StartExecution",
                            stateMachineArn=machine, name=name,
                            input=json.dumps(input))["executionArn"]
        return arn

    def test_kill9_four_times_while_four_executions_archive_20000_orders(self):
        t0 = time.monotonic()
        deadline = t0 + 300
        rng = random.Random(SEED)
        print("\nFAULT_SEED=%d (set FAULT_SEED to replay another schedule)" % SEED, flush=True)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        cutoff = date(now - datetime.timedelta(days=30))
        orders, old = make_orders(rng, now)
        young = {o["orderNo"] for o in orders} - old
        parts = [sorted(n for n in old if n % PARTS == k) for k in range(PARTS)]

        server = self._start()
        listen = "127.0.0.1:%d" % server.port
        sfn = faultlib.client(server.endpoint)

        # Seed, with the server up all along.
        seeding = sfn.create_state_machine(name="seed-orders", definition=json.dumps(SEEDING),
                                           roleArn=faultlib.ROLE)["stateMachineArn"]
        seeds = [self._run(sfn, seeding, "seed-%02d" % c,
                           {"orders": orders[c * CHUNK:(c + 1) * CHUNK]}, deadline)
                 for c in range(ORDERS // CHUNK)]
        done = faultlib.wait_all_done(sfn, seeds, self.stats, deadline)
        bad = ["%s: %s %s %s" % (a, d["status"], d.get("error"), d.get("cause"))
               for a, d in done.items()
               if d["status"] != "SUCCEEDED" or json.loads(d["output"]) != {"InsertedCount": CHUNK}]
        self.assertFalse(bad, "seeding failed:\n" + "\n".join(bad[:5]))
        t_seeded = time.monotonic()
        print("seeded %d orders (%d old, %d young; parts of %s) in %.1fs"
              % (ORDERS, len(old), len(young), [len(p) for p in parts], t_seeded - t0),
              flush=True)

        # Archive, in 4 parallel executions, while the server is killed and restarted.
        archive = sfn.create_state_machine(name="archive-orders", definition=json.dumps(ARCHIVE),
                                           roleArn=faultlib.ROLE)["stateMachineArn"]
        arns = []
        for k in range(PARTS):
            waits = [1 if rng.random() < 0.33 else 0 for _ in range(200)]
            arns.append(self._run(sfn, archive, "archive-part-%d" % k, {
                "part": k, "tick": {"i": 0}, "waits": waits,
                "filter": {"createdAt": {"$lt": cutoff}, "orderNo": {"$mod": [PARTS, k]}}},
                deadline))
        t_start = time.monotonic()
        kills = []  # wall-clock times of the kills, to compare with the histories' timestamps
        for k in range(KILLS):
            time.sleep(rng.uniform(0.3, 2.0))
            # Aim: watch one execution (chosen by the seed) until its last event is an Archive
            # batch's TaskStarted, then kill a few tens of milliseconds later, while the batch
            # runs in its transaction (a batch takes 0.05 to 0.5 s). Whether the kill really came
            # before the commit is read from the histories afterwards.
            watched = arns[rng.randrange(PARTS)]
            delay = rng.uniform(0.0, 0.08)
            aim = time.monotonic() + 3
            while time.monotonic() < aim:
                last = faultlib.call(sfn.get_execution_history, self.stats, deadline,
                                     "GetExecutionHistory", executionArn=watched,
                                     reverseOrder=True, maxResults=1)["events"]
                if last and last[0]["type"] in ("TaskStarted", "ExecutionSucceeded",
                                                "ExecutionFailed"):
                    break
                time.sleep(0.005)
            time.sleep(delay)
            at = time.monotonic() - t_start
            kills.append(time.time())
            server.kill()
            down = rng.uniform(0.0, 0.5)
            time.sleep(down)
            server = self._start(listen)
            print("kill -9 #%d at t=%.2fs (%s: %s + %.3fs), down %.2fs, restarted as pid %d "
                  "after %.2fs" % (k + 1, at, watched.rsplit(":", 1)[1],
                                   last[0]["type"] if last else None, delay, down, server.pid,
                                   time.monotonic() - t_start - at), flush=True)

        try:
            self._check(sfn, arns, parts, old, young, cutoff, kills, deadline)
            # 503 ServiceUnavailable asks the client to retry; a 500 is a bug (docs/api.md).
            self.assertFalse([e for e in self.stats.server_errors if e[1] == "InternalFailure"],
                             "InternalFailure answers")
        except BaseException:
            sys.stderr.write("---- serve log (tail) ----\n%s\n" % faultlib.tail(self.log, 60))
            raise
        finally:
            print("connection errors retried: %d; 5xx answers: %d %s"
                  % (self.stats.connection_errors, len(self.stats.server_errors),
                     self.stats.server_errors[:5]), flush=True)
            print("total %.1fs (archive phase %.1fs)"
                  % (time.monotonic() - t0, time.monotonic() - t_seeded), flush=True)

    def _check(self, sfn, arns, parts, old, young, cutoff, kills, deadline):
        t = time.monotonic()
        done = faultlib.wait_all_done(sfn, arns, self.stats, deadline)
        print("all archive executions ended %.1fs after the last restart"
              % (time.monotonic() - t), flush=True)
        failures = ["%s: %s %s %s" % (arn, done[arn]["status"], done[arn].get("error"),
                                      done[arn].get("cause"))
                    for arn in arns if done[arn]["status"] != "SUCCEEDED"]
        self.assertFalse(failures, "archive executions did not succeed:\n" + "\n".join(failures))

        # Each history adds up: Moved sums to the part, Remaining decreases by each Moved.
        problems = []
        batches = {}  # execution ARN -> [(EnteredTime of Archive, Moved)]
        in_flight = [[] for _ in kills]  # per kill: the parts whose batch it interrupted
        for k, arn in enumerate(arns):
            events, _ = faultlib.full_history(sfn, arn, self.stats, deadline)
            problems += ["%s: %s" % (arn, p) for p in faultlib.history_problems(events)]
            entered, results = [], []
            for e in events:
                if (e["type"] == "TaskStateEntered"
                        and e["stateEnteredEventDetails"]["name"] == "Archive"):
                    entered.append(e["timestamp"])
                elif e["type"] == "TaskSucceeded":
                    results.append(json.loads(e["taskSucceededEventDetails"]["output"]))
            if len(entered) != len(results):
                problems.append("%s: Archive entered %d times, %d TaskSucceeded"
                                % (arn, len(entered), len(results)))
            remaining = len(parts[k])
            for i, r in enumerate(results):
                if r["Moved"] != min(BATCH, remaining) or r["Remaining"] != remaining - r["Moved"]:
                    problems.append("%s batch %d: %s after Remaining %d"
                                    % (arn, i + 1, r, remaining))
                remaining = r["Remaining"]
            if sum(r["Moved"] for r in results) != len(parts[k]) or remaining != 0:
                problems.append("%s: moved %d in all, part has %d, Remaining %d at the end"
                                % (arn, sum(r["Moved"] for r in results), len(parts[k]),
                                   remaining))
            batches[arn] = [(ts, r["Moved"]) for ts, r in zip(entered, results) if r["Moved"]]
            # A batch entered (its TaskScheduled committed) before a kill and succeeded after
            # it: the kill came between its scheduling and its commit.
            ends = [e["timestamp"] for e in events if e["type"] == "TaskSucceeded"]
            for i, kill in enumerate(kills):
                if any(a.timestamp() < kill < b.timestamp() for a, b in zip(entered, ends)):
                    in_flight[i].append(k)
            print("%s: %d batches, %d archive task events failed/timed out"
                  % (arn.rsplit(":", 1)[1], len(results),
                     sum(1 for e in events if e["type"] in ("TaskFailed", "TaskTimedOut"))),
                  flush=True)
        self.assertFalse(problems, "%d history problems:\n%s"
                         % (len(problems), "\n".join(problems[:40])))
        for i, parts_hit in enumerate(in_flight):
            print("kill -9 #%d interrupted batches of parts %s" % (i + 1, parts_hit), flush=True)
        self.assertTrue(any(in_flight), "no kill came while a batch was between its scheduling "
                        "and its commit: the test proved nothing")

        # The verification, through the API, on the same (restarted) server.
        verify = sfn.create_state_machine(name="archive-verify",
                                          definition=json.dumps(verification(cutoff)),
                                          roleArn=faultlib.ROLE)["stateMachineArn"]
        arn = self._run(sfn, verify, "verify", {}, deadline)
        d = faultlib.wait_all_done(sfn, [arn], self.stats, deadline)[arn]
        self.assertEqual(d["status"], "SUCCEEDED", "verification: %s %s"
                         % (d.get("error"), d.get("cause")))
        v = json.loads(d["output"])

        def expect(what, got, want):
            if got != want:
                problems.append("%s: %s, expected %s" % (what, json.dumps(got), json.dumps(want)))

        n_old, n_young = len(old), len(young)
        expect("archive: documents", v["archiveAll"]["n"], n_old)
        expect("archive: old documents", v["archiveOld"]["n"], n_old)
        expect("archive: young documents", v["archiveYoung"]["n"], 0)
        expect("archive: stamped documents", v["archiveStamped"]["n"], n_old)
        expect("archive: documents, sum and distinct orderNo", v["archiveSummary"]["docs"],
               [{"n": n_old, "sum": sum(old), "distinct": n_old}])
        expect("archive: orderNos archived more than once", v["archiveDuplicates"]["docs"], [])
        expect("archive: per part (stamp, archivedBy, orderNo mod 4)",
               v["archiveParts"]["docs"],
               sorted([{"_id": {"part": k, "by": arns[k], "mod": k}, "n": len(parts[k])}
                       for k in range(PARTS)], key=lambda g: (g["_id"]["part"], g["_id"]["by"])))
        expect("source: documents", v["sourceAll"]["n"], n_young)
        expect("source: old documents", v["sourceOld"]["n"], 0)
        expect("source: stamped documents", v["sourceStamped"]["n"], 0)
        expect("source: documents, sum and distinct orderNo", v["sourceSummary"]["docs"],
               [{"n": n_young, "sum": sum(young), "distinct": n_young}])

        # The documents of each batch carry that batch's EnteredTime, and are as many as it
        # recorded as Moved: a batch applied twice, or applied without its result, shows here.
        stamped = {}
        for g in v["archiveBatches"]["docs"]:
            at = datetime.datetime.fromisoformat(g["_id"]["at"]["$date"].replace("Z", "+00:00"))
            stamped.setdefault(g["_id"]["by"], []).append((at, g["n"]))
        for arn in arns:
            got = sorted(stamped.get(arn, []))
            want = sorted(batches[arn])
            if [n for _, n in got] != [n for _, n in want] or any(
                    abs((a - b).total_seconds()) > 0.002 for (a, _), (b, _) in zip(got, want)):
                problems.append("%s: batches by archivedAt %s, by history %s"
                                % (arn, [(a.isoformat(), n) for a, n in got[:30]],
                                   [(a.isoformat(), n) for a, n in want[:30]]))
        print("verified: %d archived (%d distinct), %d left in the source, %d batches"
              % (v["archiveAll"]["n"], (v["archiveSummary"]["docs"] or [{}])[0].get("distinct", -1),
                 v["sourceAll"]["n"], len(v["archiveBatches"]["docs"])), flush=True)
        self.assertFalse(problems, "%d problems:\n%s" % (len(problems), "\n".join(problems[:40])))


if __name__ == "__main__":
    unittest.main()
