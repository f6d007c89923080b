"""Helpers for the integration tests of `tactus serve` through real AWS clients.

`Server` starts `tactus serve` on a temporary data directory with port 0, reads the port from
the first line it prints, reads the admin's access key from <data>/admin-credentials (the server
requires SigV4, docs/auth.md), hands out boto3 clients signed with it (and `env()`, the same
credentials as environment variables for awscli and `tactus` subprocesses), and stops it with
SIGTERM, checking that it exits cleanly (exit code 0). `ServeTestCase` runs one server per test
class. The binary is $TACTUS_BIN.

Every task runs as its execution's role (docs/auth.md, "Execution roles"): the server is given
the role ROLE ("tactus-test"), which the tests' state machines use, allowing every MongoDB, HTTP
and Lambda task (PERMISSIVE_POLICY, which names Tactus's own databases too: "*" alone does not
open them), and so does "tactus", the default role of `tactus state-machines create`.
`Server.create_role` makes narrower ones.
"""
import configparser
import http.server
import json
import os
import re
import select
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

TACTUS = os.environ.get("TACTUS_BIN", "build/debug/src/cli/tactus")
LISTENING = re.compile(r"^tactus serve: listening on (http://127\.0\.0\.1:(\d+)) ")
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_NAME = "tactus-test"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
# What ROLE may do: every task integration on anything. The tests also read Tactus's own
# databases (the IAM and audit collections), which only a statement naming them opens.
PERMISSIVE_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["mongodb:*", "http:invoke", "lambda:InvokeFunction",
                                  "states:*", "sts:AssumeRole"],
    "Resource": ["*", "arn:tactus:mongodb:::tactus/*", "arn:tactus:mongodb:::tactus_audit/*"]}]}
# Trusted by Step Functions, as AWS execution roles are.
STATES_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
# GetActivityTask long-polls up to 60 s: the read timeout must be longer.
READ_TIMEOUT = 90


class Server:
    def __init__(self, mock_config=None, lease_seconds=None, extra_args=(), data=None,
                 require_credentials=True):
        self.tmp = tempfile.TemporaryDirectory(prefix="tactus-serve-")
        self.data = data or os.path.join(self.tmp.name, "data")
        self.stderr_path = os.path.join(self.tmp.name, "stderr.log")
        args = [TACTUS, "serve", "--data", self.data, "--listen", "127.0.0.1:0"]
        if mock_config is not None:
            path = mock_config
            if not isinstance(mock_config, str):
                path = os.path.join(self.tmp.name, "mocks.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(mock_config, f)
            args += ["--mock-config", path]
        if lease_seconds is not None:
            args += ["--lease-seconds", str(lease_seconds)]
        args += list(extra_args)
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr)
        self.endpoint = self._read_endpoint(timeout=60)
        self.access_key_id = self.secret_access_key = None
        if require_credentials:
            self.access_key_id, self.secret_access_key = read_credentials(self.data)
            # ROLE for the tests' state machines; "tactus", the role `tactus state-machines
            # create` gives when no --role-arn is given, for the CLI's.
            for name in (ROLE_NAME, "tactus"):
                self.create_role(name, PERMISSIVE_POLICY)

    def rest(self, method, path, body=None):
        """A signed REST call (/v1/..., /schedules/...): (status, parsed JSON answer or None)."""
        data = b"" if body is None else (body if isinstance(body, bytes)
                                          else json.dumps(body).encode())
        headers = self.signed_headers(method, path, data,
                                      {"Content-Type": "application/json"})
        request = urllib.request.Request(self.endpoint + path, data=data or None,
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                text = r.read()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, json.loads(text) if text else None

    def create_role(self, name, policy, trust=None):
        """Creates (or reuses) role `name` with the inline policy "policy" (replaced); returns
        its ARN."""
        status, answer = self.rest("POST", f"/v1/iam/roles/{name}",
                                   {"AssumeRolePolicyDocument": json.dumps(trust or STATES_TRUST)})
        if status not in (200, 201, 409):
            raise RuntimeError(f"CreateRole {name}: {status} {answer}")
        status, answer = self.rest("PUT", f"/v1/iam/roles/{name}/policies/policy",
                                   json.dumps(policy).encode())
        if status >= 300:
            raise RuntimeError(f"PutRolePolicy {name}: {status} {answer}")
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"

    def env(self, **extra):
        """os.environ with the admin's credentials, for awscli and `tactus` subprocesses."""
        return {**os.environ, "AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", **extra}

    def boto3_client(self, service, read_timeout=READ_TIMEOUT, access_key_id=None,
                     secret_access_key=None, **config):
        """A boto3 client of `service` signed with the admin's (or the given) credentials."""
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=botocore.config.Config(inject_host_prefix=False,
                                          retries={"max_attempts": 0},
                                          connect_timeout=10, read_timeout=read_timeout,
                                          **config))

    def _read_endpoint(self, timeout):
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"tactus serve did not start: {line!r}\n{self.log()}")
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1)
                if not chunk:
                    continue
                line += chunk
        m = LISTENING.match(line.decode())
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"unexpected first line of tactus serve: {line!r}")
        return m.group(1)

    def log(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def signed_headers(self, method, path, body=b"", headers=None):
        """Headers for `method` `path` with `body`, signed with the admin's key as botocore
        signs (service "scheduler" for /schedules, "tactus" for /v1, else "states")."""
        service = ("scheduler" if path.startswith("/schedules") else
                   "tactus" if path.startswith("/v1") else "states")
        request = botocore.awsrequest.AWSRequest(method=method, url=self.endpoint + path,
                                                 data=body, headers=dict(headers or {}))
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(self.access_key_id, self.secret_access_key),
            service, REGION).add_auth(request)
        return dict(request.headers.items())

    def client(self, read_timeout=READ_TIMEOUT, **kwargs):
        return self.boto3_client("stepfunctions", read_timeout=read_timeout, **kwargs)

    def stop(self, timeout=60):
        """SIGTERM, then waits; returns the exit code (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close()
                return None
        code = self.proc.returncode
        self._close()
        return code

    def _close(self):
        self.proc.stdout.close()
        self.stderr.close()
        self.tmp.cleanup()


def loopback_http(on_request, body=b'{"ok": true}'):
    """An HTTP server on 127.0.0.1, in a thread of its own, that answers every GET and POST
    with 200 and `body` (JSON; none when empty) after calling on_request(handler, request_body).
    Returns (server, base_url); stop it with server.shutdown() and server.server_close()."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self):
            on_request(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            if body:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def read_credentials(data):
    """The admin's (access key id, secret) from DATA/admin-credentials, written by `tactus serve`
    on its first start."""
    parser = configparser.ConfigParser()
    path = os.path.join(data, "admin-credentials")
    if not parser.read(path):
        raise RuntimeError(f"tactus serve wrote no {path}")
    section = parser["default"]
    return section["aws_access_key_id"], section["aws_secret_access_key"]


class ServeTestCase(unittest.TestCase):
    """One `tactus serve` per test class; `self.sfn` is a boto3 client for it."""
    mock_config = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(mock_config=cls.mock_config)
        cls.sfn = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        log = cls.server.log()
        code = cls.server.stop()
        if code != 0:
            raise AssertionError(f"tactus serve exited with {code} after SIGTERM\n{log}")

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def unique(prefix):
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def create_machine(self, definition, name=None, type="STANDARD", **extra):
        response = self.sfn.create_state_machine(
            name=name or self.unique("sm"), roleArn=ROLE, type=type,
            definition=definition if isinstance(definition, str) else json.dumps(definition),
            **extra)
        return response["stateMachineArn"]

    def create_activity(self, name=None):
        return self.sfn.create_activity(name=name or self.unique("act"))["activityArn"]

    def start(self, arn, input=None, name=None):
        kwargs = {"stateMachineArn": arn}
        if input is not None:
            kwargs["input"] = input if isinstance(input, str) else json.dumps(input)
        if name is not None:
            kwargs["name"] = name
        return self.sfn.start_execution(**kwargs)["executionArn"]

    def wait_done(self, execution_arn, timeout=30, client=None):
        """Polls DescribeExecution until the execution is no longer RUNNING."""
        c = client or self.sfn
        deadline = time.monotonic() + timeout
        while True:
            d = c.describe_execution(executionArn=execution_arn)
            if d["status"] != "RUNNING":
                return d
            if time.monotonic() > deadline:
                self.fail(f"{execution_arn} still RUNNING after {timeout} s\n{self.server.log()}")
            time.sleep(0.05)

    def wait_for(self, predicate, timeout=30, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(0.05)

    def run_ok(self, arn, input=None, timeout=30):
        """Starts an execution, waits for it, asserts SUCCEEDED and returns its parsed output."""
        execution = self.start(arn, input)
        d = self.wait_done(execution, timeout)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        return json.loads(d["output"])

    def history(self, execution_arn, **kwargs):
        events, token = [], None
        while True:
            page = self.sfn.get_execution_history(
                executionArn=execution_arn, **kwargs, **({"nextToken": token} if token else {}))
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events
