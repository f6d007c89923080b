"""`tactus audit` (docs/auth.md, "Audit trail") against the audit database of a real
`tactus serve --data DIR` on the embedded store: a workflow inserts, updates and archives
documents; `verify` says OK; `lineage` of an archived document names the execution with its
insert, update and archive; `executions --touched` lists it; `export` streams the chain as JSON
lines that link. Then a record is tampered with, the server stopped, and `verify` (through
`tactus store` on the same data directory) names the tampered record."""
import json
import os
import re
import select
import signal
import subprocess
import time
import unittest

from serve_util import ROLE, TACTUS, Server

M = "arn:tactus:states:::mongodb:"


def task(op, parameters, next_state=None, **extra):
    state = {"Type": "Task", "Resource": M + op, "Parameters": parameters, **extra}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def audit(*args, timeout=60):
    return subprocess.run([TACTUS, "audit", *args], capture_output=True, text=True,
                          timeout=timeout)


class AuditCliTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.data = self.server.data
        self.sfn = self.server.client()
        self.store = None

    def tearDown(self):
        if self.store:
            if self.store.poll() is None:
                self.store.send_signal(signal.SIGTERM)
                self.store.wait(timeout=30)
            self.store.stdout.close()
            self.store.stderr.close()
        if self.server.proc.poll() is None:
            self.server.stop()
        else:
            self.server._close()

    def run_machine(self, definition, input=None):
        arn = self.sfn.create_state_machine(
            name=f"audit-{os.urandom(4).hex()}", roleArn=ROLE,
            definition=json.dumps(definition))["stateMachineArn"]
        execution = self.sfn.start_execution(stateMachineArn=arn,
                                             input=json.dumps(input or {}))["executionArn"]
        deadline = time.monotonic() + 30
        while True:
            d = self.sfn.describe_execution(executionArn=execution)
            if d["status"] != "RUNNING":
                self.assertEqual(d["status"], "SUCCEEDED", d)
                return execution, json.loads(d["output"])
            self.assertLess(time.monotonic(), deadline, self.server.log())
            time.sleep(0.05)

    def lineage(self, ns, id_json):
        r = audit("lineage", "--data", self.data, "--namespace", ns, "--id", id_json,
                  "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def start_store(self):
        """`tactus store` on the stopped server's data directory and socket."""
        self.store = subprocess.Popen(
            [TACTUS, "store", "--dbpath", os.path.join(self.data, "store"), "--port", "-1",
             "--unix", os.path.join(self.data, "store.sock")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = b""
        deadline = time.monotonic() + 30
        while b"connect with" not in out:
            self.assertLess(time.monotonic(), deadline, out)
            if self.store.poll() is not None:
                self.fail(f"tactus store exited: {self.store.stderr.read()!r}")
            ready, _, _ = select.select([self.store.stdout], [], [], 0.5)
            if ready:
                out += os.read(self.store.stdout.fileno(), 4096)

    def test_verify_lineage_executions_export_and_tampering(self):
        db = f"shop{os.urandom(3).hex()}"
        orders = {"Database": db, "Collection": "orders"}
        definition = {"StartAt": "Insert", "States": {
            "Insert": task("insertMany", {**orders, "Documents": [
                {"_id": 1, "old": True}, {"_id": 2, "old": True}, {"_id": 3, "old": False}]},
                "Update", ResultPath=None),
            "Update": task("updateMany", {**orders, "Filter": {"old": True},
                                          "Update": {"$set": {"flagged": True}}},
                           "Archive", ResultPath=None),
            "Archive": task("archive", {**orders, "Filter": {"old": True},
                                        "TargetCollection": "orders_archive"},
                            None, ResultPath="$.archived"),
        }}
        execution, out = self.run_machine(definition)
        self.assertEqual(out["archived"]["Moved"], 2)

        # The chainer moves the step's records into the chain a poll interval later.
        deadline = time.monotonic() + 15
        while True:
            entries = self.lineage(f"{db}.orders", "1")
            if any(e["operation"].startswith("archive") for e in entries):
                break
            self.assertLess(time.monotonic(), deadline,
                            f"no archive record for _id 1: {entries}\n{self.server.log()}")
            time.sleep(0.2)

        r = audit("verify", "--data", self.data)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("OK: "), r.stdout)

        # Lineage of an archived document: the one execution, in chain order.
        self.assertEqual({e["execution"] for e in entries}, {execution})
        self.assertEqual([e["operation"] for e in entries],
                         ["insertMany", "updateMany", "archive.delete"])
        seqs = [e["seq"] for e in entries]
        self.assertEqual(seqs, sorted(seqs))
        archived = self.lineage(f"{db}.orders_archive", "1")
        self.assertEqual([(e["execution"], e["operation"]) for e in archived],
                         [(execution, "archive.insert")])
        # The string "1" is another _id; the document left in place was not archived.
        self.assertEqual(self.lineage(f"{db}.orders", '"1"'), [])
        self.assertEqual([e["operation"] for e in self.lineage(f"{db}.orders", "3")],
                         ["insertMany"])
        r = audit("lineage", "--data", self.data, "--namespace", f"{db}.orders", "--id", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("archive.delete", r.stdout)
        self.assertIn(execution, r.stdout)
        r = audit("lineage", "--data", self.data, "--namespace", f"{db}.orders", "--id", "abc")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Extended JSON", r.stderr)

        # Executions that touched the collection.
        r = audit("executions", "--data", self.data, "--touched", f"{db}.orders")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(execution, r.stdout)
        r = audit("executions", "--data", self.data, "--touched", f"{db}.orders",
                  "--since", "2000-01-01T00:00:00Z", "--format", "json")
        touches = json.loads(r.stdout)
        self.assertEqual([t["execution"] for t in touches], [execution])
        self.assertEqual(touches[0]["records"], 3)
        r = audit("executions", "--data", self.data, "--touched", f"{db}.orders",
                  "--since", "2999-01-01T00:00:00Z", "--format", "json")
        self.assertEqual(json.loads(r.stdout), [])

        # Export: JSON lines from seq 1, each linked to the one before.
        r = audit("export", "--data", self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertGreater(len(lines), 3)
        self.assertEqual([x["seq"] for x in lines], list(range(1, len(lines) + 1)))
        self.assertEqual(lines[0]["prev"], "0" * 64)
        for before, after in zip(lines, lines[1:]):
            self.assertEqual(after["prev"], before["hash"])
        for x in lines:
            self.assertRegex(x["hash"], "^[0-9a-f]{64}$")
            self.assertEqual(json.loads(x["canonical"])["seq"], x["seq"])
        r = audit("export", "--data", self.data, "--from-seq", str(seqs[-1]))
        self.assertEqual(json.loads(r.stdout.splitlines()[0])["seq"], seqs[-1])

        # The public key: PEM only, and trusted explicitly it verifies too.
        r = audit("public-key", "--data", self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("-----BEGIN PUBLIC KEY-----"), r.stdout)
        self.assertNotIn("PRIVATE", r.stdout)
        pem = os.path.join(self.server.tmp.name, "audit.pub")
        with open(pem, "w", encoding="utf-8") as f:
            f.write(r.stdout)
        r = audit("verify", "--data", self.data, "--public-key", pem)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Tamper: a throwaway machine rewrites a field of the archive record, in place. Records
        # stay where their producer wrote them (format version 2): the archive.delete record on
        # the orders collection listing _id 1 is found by its index fields and its content.
        tampered = seqs[-1]
        self.run_machine({"StartAt": "Forge", "States": {"Forge": task("updateOne", {
            "Database": "tactus_audit", "Collection": "records",
            "Filter": {"kind": "data", "namespace": f"{db}.orders", "ids": "1",
                       "fields": {"$regex": '"operation":"archive\\.delete"'}},
            "Update": {"$set": {"execution": "arn:forged"}}})}})
        self.assertEqual(self.server.proc.send_signal(signal.SIGTERM), None)
        self.assertEqual(self.server.proc.wait(timeout=60), 0, self.server.log())

        # No server: said so, with what to do.
        r = audit("verify", "--data", self.data)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertRegex(r.stderr, re.compile("no store (is running|answers)"))
        self.assertIn("tactus serve --data", r.stderr)

        self.start_store()
        r = audit("verify", "--data", self.data)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"FAILED at seq {tampered}:", r.stdout)


if __name__ == "__main__":
    unittest.main()
