"""Secrets of named connections and functions (docs/auth.md, "Secrets") in `tactus serve`: URIs
sealed at rest with versions, `tactus connections rotate` with a grace period for the previous
version, the secret's age and maximum age (--refuse-stale-secrets), a function's header values
sealed and sent only on the call, and redaction: after a full run — a workflow on a connection
with a password, one on a connection with a wrong password, one calling the function — no output
holds any of the secrets (serve's stdout and stderr, API answers, the audit export, the store's
files and documents)."""
import json
import os
import subprocess
import tempfile
import time
import unittest
import uuid

from docdb_server import StoreProcess
from serve_util import TACTUS, Server, loopback_http

M = "arn:tactus:states:::mongodb:"


def insert(connection, doc_id, **extra):
    return {"Type": "Task", "Resource": M + "insertOne", **extra,
            "Parameters": {"Connection": connection, "Database": "shop",
                           "Collection": "orders", "Document": {"_id.$": doc_id}}}


class SecretsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tactus-secrets-")
        self.addCleanup(self.tmp.cleanup)
        self.secret = "Pw-" + uuid.uuid4().hex
        self.wrong = "Wrong-" + uuid.uuid4().hex
        self.rotated = "Next-" + uuid.uuid4().hex
        self.api_key = "Key-" + uuid.uuid4().hex
        self.store = StoreProcess(args=["--auth"]).start()
        self.addCleanup(self.store.cleanup)
        # The user the connection logs in as, made with pymongo from Debian (this python has
        # boto3, that one pymongo).
        script = (
            "import pymongo, sys\n"
            "a = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=10000)\n"
            "a.admin.command('createUser', 'root', pwd='root-pw', roles=['root'])\n"
            "r = pymongo.MongoClient(sys.argv[1], username='root', password='root-pw',\n"
            "                        authSource='admin', serverSelectionTimeoutMS=10000)\n"
            "r.shop.command('createUser', 'app', pwd=sys.argv[2], roles=['readWrite'])\n")
        p = subprocess.run(["/usr/bin/python3", "-c", script, self.store.uri, self.secret],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            self.skipTest("pymongo (python3-pymongo) is needed to create the store's user: " +
                          p.stderr[-300:])
        self.data = os.path.join(self.tmp.name, "data")
        self.outputs = []  # every text an output gave, to grep at the end

    def uri(self, password):
        return (f"mongodb://app:{password}@127.0.0.1:{self.store.port}/?authSource=shop"
                "&directConnection=true&serverSelectionTimeoutMS=5000")

    def rest(self, server, method, path, body=None):
        status, answer = server.rest(method, path, body)
        self.outputs.append(json.dumps(answer))
        return status, answer

    def run_machine(self, server, definition, input):
        sfn = server.client()
        arn = sfn.create_state_machine(
            name="m-" + uuid.uuid4().hex[:8], definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/tactus-test")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn,
                                        input=json.dumps(input))["executionArn"]
        deadline = time.monotonic() + 60
        while True:
            d = sfn.describe_execution(executionArn=execution)
            if d["status"] != "RUNNING":
                break
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        self.outputs.append(json.dumps(d, default=str))
        history = sfn.get_execution_history(executionArn=execution, maxResults=1000)
        self.outputs.append(json.dumps(history, default=str))
        return d

    def stop(self, server):
        """Stops `server`, keeping everything it printed."""
        server.proc.send_signal(15)
        self.assertEqual(server.proc.wait(timeout=60), 0)
        self.outputs.append(server.proc.stdout.read().decode(errors="replace"))
        with open(server.stderr_path, "rb") as f:
            self.outputs.append(f.read().decode(errors="replace"))
        server._close()

    def test_sealed_rotated_aged_and_never_shown(self):
        server = Server(data=self.data)
        try:
            status, _ = self.rest(server, "POST", "/v1/connections/warehouse",
                                  {"Uri": self.uri(self.secret)})
            self.assertEqual(status, 200)
            status, _ = self.rest(server, "POST", "/v1/connections/broken",
                                  {"Uri": self.uri(self.wrong)})
            self.assertEqual(status, 200)

            # A workflow on each: the right password works, the wrong one fails by name.
            d = self.run_machine(server, {"StartAt": "Ok", "States": {
                "Ok": insert("warehouse", "$.id", Next="Bad", ResultPath=None),
                "Bad": insert("broken", "$.id", End=True)}}, {"id": 1})
            self.assertEqual(d["status"], "FAILED", d)
            self.assertNotEqual(d.get("error"), "States.Permissions", d)

            # What the API shows: the URI masked, the secret's version and age.
            status, shown = self.rest(server, "GET", "/v1/connections/warehouse")
            self.assertEqual(shown["Uri"], self.uri("****"))
            self.assertEqual(shown["Secret"]["Version"], 1)
            self.assertLessEqual(shown["Secret"]["RotationDate"], time.time())
            self.rest(server, "GET", "/v1/connections")

            # A function whose header carries a key: masked when shown, sent on the call.
            seen = self.serve_function()
            status, _ = self.rest(server, "POST", "/v1/functions/notify",
                                  {"Url": seen["url"], "Headers": {"X-Api-Key": self.api_key}})
            self.assertEqual(status, 200)
            status, shown = self.rest(server, "GET", "/v1/functions/notify")
            self.assertEqual(shown["Headers"], {"X-Api-Key": "****"})
            d = self.run_machine(server, {"StartAt": "Call", "States": {"Call": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "notify", "Payload": {"n": 1}}, "End": True}}}, {})
            self.assertEqual(d["status"], "SUCCEEDED", d)
            self.assertEqual(seen["keys"], [self.api_key])

            # Rotate to a password the server does not know yet: within the grace period the
            # previous version still serves.
            p = subprocess.run([TACTUS, "secrets", "rotate", "warehouse", "--uri",
                                self.uri(self.rotated), "--endpoint", server.endpoint],
                               capture_output=True, text=True, env=server.env(), timeout=60)
            self.outputs += [p.stdout, p.stderr]
            self.assertEqual(p.returncode, 0, p.stderr)
            # `tactus secrets list`: each secret's version, age and kept versions; the function's
            # sealed header by name.
            p = subprocess.run([TACTUS, "secrets", "list", "--endpoint", server.endpoint],
                               capture_output=True, text=True, env=server.env(), timeout=60)
            self.outputs += [p.stdout, p.stderr]
            self.assertEqual(p.returncode, 0, p.stderr)
            rows = {line.split()[1]: line.split() for line in p.stdout.splitlines()[1:]}
            self.assertEqual(rows["warehouse"][:3], ["connection", "warehouse", "v2"], p.stdout)
            self.assertLess(float(rows["warehouse"][4]), 1.0, p.stdout)  # age in days
            self.assertEqual(rows["warehouse"][5:], ["v2,", "v1"], p.stdout)
            self.assertEqual(rows["broken"][2], "v1", p.stdout)
            self.assertEqual(rows["notify"][0], "function", p.stdout)
            self.assertIn("headers X-Api-Key", p.stdout)
            status, shown = self.rest(server, "GET", "/v1/connections/warehouse")
            self.assertEqual(shown["Uri"], self.uri("****"))
            self.assertEqual([v["Version"] for v in shown["Secret"]["Versions"]], [2, 1])
            d = self.run_machine(server, {"StartAt": "Ok", "States": {
                "Ok": insert("warehouse", "$.id", End=True)}}, {"id": 2})
            self.assertEqual(d["status"], "SUCCEEDED", d)

            # The audit export, and every document of Tactus's database.
            p = subprocess.run([TACTUS, "audit", "export", "--data", self.data],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.outputs += [p.stdout, p.stderr]
            for collection in ("connections", "functions", "history", "journal", "executions",
                               "work"):
                out = self.run_machine(server, {"StartAt": "F", "States": {"F": {
                    "Type": "Task", "Resource": M + "find", "End": True,
                    "Parameters": {"Database": "tactus", "Collection": collection}}}}, {})
                self.assertEqual(out["status"], "SUCCEEDED", out)
        finally:
            self.stop(server)

        # Past its maximum age the secret is refused when so configured.
        server = Server(data=self.data, extra_args=["--secret-max-age-days", "0.00001",
                                                    "--refuse-stale-secrets"])
        try:
            time.sleep(1)
            d = self.run_machine(server, {"StartAt": "Ok", "States": {
                "Ok": insert("warehouse", "$.id", End=True)}}, {"id": 3})
            self.assertEqual(d["status"], "FAILED", d)
            self.assertEqual(d["error"], "MongoDB.StaleSecret", d)
            self.assertIn("tactus connections rotate warehouse", d["cause"])
        finally:
            self.stop(server)

        # Every output, and every file of the data directory (the store included).
        for path, _, files in os.walk(self.data):
            for name in files:
                with open(os.path.join(path, name), "rb") as f:
                    self.outputs.append(f.read().decode("latin-1"))
        text = "\n".join(self.outputs)
        self.assertIn("warehouse", text)  # the outputs are there
        for secret in (self.secret, self.wrong, self.rotated, self.api_key):
            self.assertNotIn(secret, text)

    def serve_function(self):
        """A function endpoint on loopback that records the X-Api-Key header of each call."""
        seen = {"keys": []}
        httpd, base = loopback_http(
            lambda handler, _: seen["keys"].append(handler.headers.get("X-Api-Key")))
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        seen["url"] = base + "/"
        return seen


if __name__ == "__main__":
    unittest.main()
