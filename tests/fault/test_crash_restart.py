"""kill -9 of `tactus serve` at random moments while 200 executions run (docs/serve.md: a crash
before a step's commit loses nothing, a crash after it repeats nothing).

200 STANDARD executions of a machine that Waits (1 or 2 s), runs a mocked Task whose first
invocation fails and is retried, then a Map whose mocked Task also fails once and is retried.
The server is killed with SIGKILL three times at random moments (fixed seed, printed; override
with FAULT_SEED) and restarted each time on the same data directory with --lease-seconds 1.
Every execution must end SUCCEEDED with the expected output, and its history (all pages of
GetExecutionHistory) must be identical, timestamps aside, to the history of the same execution
(same name, definition and input) run on a separate fresh server that is never killed.

The Map runs with MaxConcurrency 1 so that a history is a function of definition and input alone
(concurrent iterations would interleave their events in the order their tasks happen to finish,
which may differ between two runs even without a crash).

Run by CTest with TACTUS_BIN pointing at the built binary.
"""
import concurrent.futures
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import unittest

import faultlib

EXECUTIONS = 200
KILLS = 3
SEED = int(os.environ.get("FAULT_SEED", "20241127"))
MACHINE = "fault-pipeline"
TEST_CASE = "Chaos"

DEFINITION = {
    "Comment": "Wait, a retried Task, a Map of retried Tasks",
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Charge"},
        "Charge": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "ResultSelector": {"charged.$": "$.Payload.charged",
                               "receipt.$": "$.Payload.receipt"},
            "ResultPath": "$.charge",
            "Retry": [{"ErrorEquals": ["Charge.Busy"], "IntervalSeconds": 1,
                       "MaxAttempts": 3, "BackoffRate": 1.0}],
            "Next": "Items",
        },
        "Items": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
            "ResultPath": "$.shipped",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Ship",
                "States": {"Ship": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "ship", "Payload.$": "$"},
                    "ResultSelector": {"shipped.$": "$.Payload.shipped"},
                    "ResultPath": "$.ship",
                    "Retry": [{"ErrorEquals": ["Ship.Busy"], "IntervalSeconds": 1,
                               "MaxAttempts": 2}],
                    "End": True,
                }},
            },
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}

MOCKS = {
    "StateMachines": {MACHINE: {"TestCases": {TEST_CASE: {
        "Charge": "ChargeBusyOnce", "Ship": "ShipBusyOnce"}}}},
    "MockedResponses": {
        "ChargeBusyOnce": {
            "0": {"Throw": {"Error": "Charge.Busy", "Cause": "ledger locked"}},
            "1": {"Return": {"StatusCode": 200,
                             "Payload": {"charged": True, "receipt": "r-1"}}},
        },
        "ShipBusyOnce": {
            "0": {"Throw": {"Error": "Ship.Busy", "Cause": "no truck yet"}},
            "1-9": {"Return": {"StatusCode": 200, "Payload": {"shipped": True}}},
        },
    },
}


def execution_input(i):
    return {"order": i, "wait": 1 + i % 2,
            "items": [{"sku": "%d-%d" % (i, k)} for k in range(1 + i % 3)]}


def expected_output(i):
    out = execution_input(i)
    out["charge"] = {"charged": True, "receipt": "r-1"}
    out["shipped"] = [dict(item, ship={"shipped": True}) for item in out["items"]]
    return out


def name_of(i):
    return "order-%03d" % i


class CrashRestartTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tactus-fault-")
        if os.environ.get("FAULT_KEEP"):
            print("\nkeeping %s (FAULT_KEEP)" % self.dir)
        else:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.servers = []  # every faultlib.Process started, for cleanup
        self.addCleanup(self._stop_servers)
        self.stats = faultlib.Stats()
        self.mocks = os.path.join(self.dir, "mocks.json")
        with open(self.mocks, "w", encoding="utf-8") as f:
            json.dump(MOCKS, f)

    def _stop_servers(self):
        for s in self.servers:
            s.kill()

    def _log(self, name):
        return os.path.join(self.dir, name + ".log")

    def _start(self, name, data, listen="127.0.0.1:0"):
        s = faultlib.start_serve(self._log(name), data=data, listen=listen,
                                 mock_config=self.mocks, lease_seconds=1)
        self.servers.append(s)
        return s

    def _dump_logs(self):
        for name in ("chaos", "reference"):
            sys.stderr.write("---- %s log (tail) ----\n%s\n"
                             % (name, faultlib.tail(self._log(name), 60)))

    def _start_all(self, endpoint, deadline, sm_arn, started, on_start=None):
        """Starts the executions on 8 threads, retrying while the server is down; returns
        {i: execution ARN}."""
        local = threading.local()

        def start(i):
            if not hasattr(local, "sfn"):
                local.sfn = faultlib.client(endpoint)
            arn = faultlib.start_execution(local.sfn, self.stats, deadline, sm_arn, name_of(i),
                                           execution_input(i), test_case=TEST_CASE)
            with started["lock"]:
                started["n"] += 1
            return i, arn

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            return dict(pool.map(start, range(EXECUTIONS)))

    def test_kill9_three_times_while_200_executions_run(self):
        t0 = time.monotonic()
        deadline = t0 + 300
        rng = random.Random(SEED)
        print("\nFAULT_SEED=%d (set FAULT_SEED to replay another schedule)" % SEED, flush=True)

        reference = self._start("reference", os.path.join(self.dir, "reference-data"))
        chaos = self._start("chaos", os.path.join(self.dir, "chaos-data"))
        endpoint = chaos.endpoint
        listen = "127.0.0.1:%d" % chaos.port
        ref_sfn = faultlib.client(reference.endpoint)
        sfn = faultlib.client(endpoint)
        definition = json.dumps(DEFINITION)
        sm = sfn.create_state_machine(name=MACHINE, definition=definition,
                                      roleArn=faultlib.ROLE)["stateMachineArn"]
        ref_sm = ref_sfn.create_state_machine(name=MACHINE, definition=definition,
                                              roleArn=faultlib.ROLE)["stateMachineArn"]
        self.assertEqual(sm, ref_sm)

        # The reference run, undisturbed, in the background.
        ref_started = {"lock": threading.Lock(), "n": 0}
        ref_arns = {}
        ref_thread = threading.Thread(
            target=lambda: ref_arns.update(
                self._start_all(reference.endpoint, deadline, sm, ref_started)), daemon=True)
        ref_thread.start()

        # The chaos run: starters in the background, kills from here.
        started = {"lock": threading.Lock(), "n": 0}
        arns = {}
        errors = []

        def starters():
            try:
                arns.update(self._start_all(endpoint, deadline, sm, started))
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)

        start_thread = threading.Thread(target=starters, daemon=True)
        start_thread.start()
        t_start = time.monotonic()
        kills = []
        for k in range(KILLS):
            # The first kill lands while the executions are being started (0.3-1.5 s in); the
            # others once every StartExecution has been answered, while the executions wait,
            # retry and map: 0.2-2 s after that, then 0.5-2.5 s after the restart.
            if k == 0:
                time.sleep(rng.uniform(0.3, 1.5))
            else:
                if k == 1:
                    start_thread.join(max(1, deadline - time.monotonic()))
                time.sleep(rng.uniform(0.2, 2.0) if k == 1 else rng.uniform(0.5, 2.5))
            at = time.monotonic() - t_start
            with started["lock"]:
                n_started = started["n"]
            chaos.kill()
            down = rng.uniform(0.0, 0.5)
            time.sleep(down)
            chaos = faultlib.start_serve(self._log("chaos"),
                                         data=os.path.join(self.dir, "chaos-data"),
                                         listen=listen, mock_config=self.mocks, lease_seconds=1)
            self.servers.append(chaos)
            kills.append((at, n_started, down))
            print("kill -9 #%d at t=%.2fs (%d/%d StartExecution answered), down %.2fs, "
                  "restarted as pid %d after %.2fs"
                  % (k + 1, at, n_started, EXECUTIONS, down, chaos.pid,
                     time.monotonic() - t_start - at), flush=True)

        start_thread.join(max(1, deadline - time.monotonic()))
        ref_thread.join(max(1, deadline - time.monotonic()))
        try:
            self.assertFalse(errors, "StartExecution failed: %r" % errors)
            self.assertEqual(len(arns), EXECUTIONS)
            self.assertEqual(len(ref_arns), EXECUTIONS)
            self._check(sfn, ref_sfn, arns, ref_arns, deadline)
            # 503 ServiceUnavailable asks the client to retry; a 500 is a bug (docs/api.md).
            self.assertFalse([e for e in self.stats.server_errors if e[1] == "InternalFailure"],
                             "InternalFailure answers")
        except BaseException:
            self._dump_logs()
            raise
        finally:
            print("connection errors retried: %d; 5xx answers: %d %s"
                  % (self.stats.connection_errors, len(self.stats.server_errors),
                     self.stats.server_errors[:5]), flush=True)
            print("total %.1fs" % (time.monotonic() - t0), flush=True)

    def _check(self, sfn, ref_sfn, arns, ref_arns, deadline):
        t = time.monotonic()
        done = faultlib.wait_all_done(sfn, arns.values(), self.stats, deadline)
        ref_done = faultlib.wait_all_done(ref_sfn, ref_arns.values(), self.stats, deadline)
        print("all executions ended %.1fs after the last restart" % (time.monotonic() - t),
              flush=True)

        # Exactly the 200 executions exist: no duplicates from retried StartExecution calls.
        listed = []
        for page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=next(iter(done.values()))["stateMachineArn"]):
            listed += page["executions"]
        self.assertEqual(sorted(e["executionArn"] for e in listed), sorted(arns.values()))

        failures = []
        ref_failed = sum(d["status"] != "SUCCEEDED" for d in ref_done.values())
        if ref_failed:
            failures.append("%d executions of the REFERENCE run (never killed) did not succeed"
                            % ref_failed)
        total_events = 0
        pages = 0
        for i in range(EXECUTIONS):
            arn = arns[i]
            self.assertEqual(arn, ref_arns[i])
            d = done[arn]
            if d["status"] != "SUCCEEDED":
                failures.append("%s: %s %s %s" % (name_of(i), d["status"], d.get("error"),
                                                  d.get("cause")))
            elif json.loads(d["output"]) != expected_output(i):
                failures.append("%s: output %s, expected %s"
                                % (name_of(i), d["output"], json.dumps(expected_output(i))))
            if json.loads(d["input"]) != execution_input(i):
                failures.append("%s: input %s" % (name_of(i), d["input"]))
            # Small pages on the crashed server, one page on the reference.
            events, n = faultlib.full_history(sfn, arn, self.stats, deadline, page_size=16)
            ref_events, _ = faultlib.full_history(ref_sfn, arn, self.stats, deadline,
                                                  page_size=1000)
            pages += n
            total_events += len(events)
            for p in faultlib.history_problems(events):
                failures.append("%s: %s" % (name_of(i), p))
            diff = faultlib.first_difference(faultlib.without_timestamps(events),
                                             faultlib.without_timestamps(ref_events))
            if diff:
                failures.append("%s: history differs from the reference at %s"
                                % (name_of(i), diff))
            if ref_done[arn]["status"] != "SUCCEEDED":
                r = ref_done[arn]
                failures.append("%s: the REFERENCE run ended %s %s %s"
                                % (name_of(i), r["status"], r.get("error"), r.get("cause")))
        print("compared %d histories: %d events, %d pages" % (EXECUTIONS, total_events, pages),
              flush=True)
        failed = sum(d["status"] != "SUCCEEDED" for d in done.values())
        if failures:
            self.fail("%d problems (%d of %d executions did not succeed):\n%s"
                      % (len(failures), failed, EXECUTIONS, "\n".join(failures[:25])))


if __name__ == "__main__":
    unittest.main()
