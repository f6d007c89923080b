"""Helpers of the fault tests: start, kill -9 and restart `tactus serve` / `tactus store`
processes, and drive them through boto3 while they come and go.

Every process started here is registered and killed at interpreter exit (atexit) as well as by
the tests' own cleanups, so a failing or interrupted test leaves nothing running.
"""
import atexit
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions

TACTUS = os.environ.get("TACTUS_BIN", "build/debug/src/cli/tactus")

ROLE = "arn:aws:iam::123456789012:role/fault-test"

_live = set()
_live_lock = threading.Lock()


def _kill_all_live():
    with _live_lock:
        procs = list(_live)
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=10)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass


atexit.register(_kill_all_live)


class Process:
    """One `tactus` process whose first stdout line matching `ready` carries its address."""

    def __init__(self, args, ready, log_path, timeout=60):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.log.write(("\n==== %s: %s\n" % (time.strftime("%H:%M:%S"), " ".join(args))).encode())
        self.log.flush()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        with _live_lock:
            _live.add(self.proc)
        lines = queue.Queue()

        def pump():
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace")
                lines.put(line)
                self.log.write(b"[stdout] " + raw)
                self.log.flush()
            lines.put(None)

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()
        deadline = time.monotonic() + timeout
        self.match = None
        while self.match is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise RuntimeError("%s: not ready within %ss; log %s:\n%s"
                                   % (args[1], timeout, log_path, tail(log_path)))
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait()
                raise RuntimeError("%s exited with %s before it was ready; log %s:\n%s"
                                   % (args[1], self.proc.returncode, log_path, tail(log_path)))
            self.match = re.search(ready, line)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        """kill -9, and wait until the process is gone."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._done()

    def terminate(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._done()

    def _done(self):
        self.pump.join(timeout=5)
        if not self.pump.is_alive():
            self.proc.stdout.close()
        with _live_lock:
            _live.discard(self.proc)
        if not self.log.closed:
            self.log.write(("==== exit %s\n" % self.proc.returncode).encode())
            self.log.close()


# `tactus serve` requires SigV4 (docs/auth.md). Servers sharing a MongoDB share its IAM users,
# so they must share the master key that seals the secrets: every server here gets this one.
# The admin's credentials come from the data directory of the server that bootstrapped them;
# `client(endpoint)` signs with the credentials of that endpoint's server.
os.environ["TACTUS_MASTER_KEY"] = "ZmF1bHQtdGVzdHMtbWFzdGVyLWtleS0zMi1ieXRlcyE="
_credentials = {}        # endpoint -> (key id, secret)
_store_credentials = {}  # data dir or MongoDB URI -> (key id, secret)


def _read_credentials(data):
    path = os.path.join(data, "admin-credentials")
    values = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.split("=", 1)
                    values[k.strip()] = v.strip()
    except OSError:
        return None
    return values["aws_access_key_id"], values["aws_secret_access_key"]


def start_serve(log_path, data=None, mongo_uri=None, listen="127.0.0.1:0", mock_config=None,
                lease_seconds=1, extra=()):
    args = [TACTUS, "serve", "--listen", listen, "--lease-seconds", str(lease_seconds)]
    if mongo_uri:
        # The data directory still holds admin-credentials (and must not be the cwd's).
        data = tempfile.mkdtemp(prefix="tactus-fault-serve-")
        args += ["--mongo-uri", mongo_uri, "--data", data]
    else:
        args += ["--data", data]
    if mock_config:
        args += ["--mock-config", mock_config]
    args += list(extra)
    p = Process(args, r"tactus serve: listening on http://127\.0\.0\.1:(\d+)", log_path)
    p.port = int(p.match.group(1))
    p.endpoint = "http://127.0.0.1:%d" % p.port
    store = mongo_uri or data
    found = _read_credentials(data)
    if found:
        _store_credentials[store] = found
    if store in _store_credentials:
        _credentials[p.endpoint] = _store_credentials[store]
        ensure_role(p.endpoint)
    return p


# Tasks run as their state machine's role (docs/auth.md, "Execution roles"): ROLE may do every
# task integration. Servers sharing a store share it (an existing role is kept).
_ROLE_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["mongodb:*", "http:invoke", "lambda:InvokeFunction"],
    "Resource": "*"}]}
_ROLE_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def _signed_rest(endpoint, method, path, body):
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import urllib.error
    import urllib.request
    key_id, secret = _credentials[endpoint]
    data = json.dumps(body).encode()
    request = botocore.awsrequest.AWSRequest(method=method, url=endpoint + path, data=data,
                                             headers={"Content-Type": "application/json"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key_id, secret), "tactus",
                            "us-east-1").add_auth(request)
    r = urllib.request.Request(endpoint + path, data=data, method=method,
                               headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code


def ensure_role(endpoint):
    name = ROLE.rsplit("/", 1)[1]
    status = _signed_rest(endpoint, "POST", "/v1/iam/roles/" + name,
                          {"AssumeRolePolicyDocument": _ROLE_TRUST})
    if status not in (200, 409):
        raise RuntimeError("CreateRole %s: HTTP %d" % (name, status))
    status = _signed_rest(endpoint, "PUT", "/v1/iam/roles/%s/policies/tasks" % name, _ROLE_POLICY)
    if status >= 300:
        raise RuntimeError("PutRolePolicy %s: HTTP %d" % (name, status))


def start_store(log_path, dbpath):
    p = Process([TACTUS, "store", "--dbpath", dbpath, "--port", "0"],
                r"tactus store: listening on 127\.0\.0\.1:(\d+)", log_path)
    p.port = int(p.match.group(1))
    p.uri = "mongodb://127.0.0.1:%d" % p.port
    return p


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read().decode(errors="replace").splitlines()
    except OSError as e:
        return "(no log: %s)" % e
    # libmongoc warns of every aborted transaction (write conflicts retried): count them only.
    noise = [line for line in data if "Error in abortTransaction" in line]
    data = [line for line in data if "Error in abortTransaction" not in line]
    note = "(%d libmongoc 'Error in abortTransaction' warnings left out)\n" % len(noise)
    return note + "\n".join(data[-lines:])


def client(endpoint, timeout=10):
    key_id, secret = _credentials[endpoint]
    return boto3.session.Session().client(
        "stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=botocore.config.Config(inject_host_prefix=False, retries={"max_attempts": 0},
                                      connect_timeout=2, read_timeout=timeout,
                                      max_pool_connections=16))


# What a call may meet while the server is down or being killed: retry it.
CONNECTION_ERRORS = (botocore.exceptions.EndpointConnectionError,
                     botocore.exceptions.ConnectionClosedError,
                     botocore.exceptions.ReadTimeoutError,
                     botocore.exceptions.ConnectTimeoutError,
                     botocore.exceptions.HTTPClientError)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connection_errors = 0
        self.server_errors = []  # (action, code, message): 5xx answers, reported

    def add_connection_error(self):
        with self.lock:
            self.connection_errors += 1

    def add_server_error(self, what):
        with self.lock:
            self.server_errors.append(what)


def call(fn, stats, deadline, what="", **kwargs):
    """Calls fn(**kwargs), retrying connection failures and 5xx answers until `deadline`
    (time.monotonic()). Other errors propagate."""
    while True:
        try:
            return fn(**kwargs)
        except CONNECTION_ERRORS:
            stats.add_connection_error()
        except botocore.exceptions.ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status < 500:
                raise
            stats.add_server_error((what, e.response["Error"].get("Code"),
                                    e.response["Error"].get("Message")))
        if time.monotonic() > deadline:
            raise TimeoutError("%s: server unreachable until the deadline" % what)
        time.sleep(0.1)


def start_execution(sfn, stats, deadline, machine_arn, name, input_value, test_case=None):
    """StartExecution through call(); its execution ARN. A retry after a lost answer (a crash
    or a dropped connection after the commit) may meet the execution the first attempt started:
    AWS answers ExecutionAlreadyExists once that execution has ended (StartExecution is
    idempotent only while it runs). Names are unique per test, so it is ours when its input is
    the one we sent; anything else is a real conflict and raises."""
    target = machine_arn + ("#" + test_case if test_case else "")
    try:
        return call(sfn.start_execution, stats, deadline, "StartExecution",
                    stateMachineArn=target, name=name,
                    input=json.dumps(input_value))["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        arn = machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
        d = call(sfn.describe_execution, stats, deadline, "DescribeExecution", executionArn=arn)
        if json.loads(d["input"]) != input_value:
            raise
        return arn


def full_history(sfn, arn, stats, deadline, page_size=None):
    """All pages of GetExecutionHistory, oldest first."""
    events = []
    token = None
    pages = 0
    while True:
        kwargs = {"executionArn": arn}
        if page_size:
            kwargs["maxResults"] = page_size
        if token:
            kwargs["nextToken"] = token
        page = call(sfn.get_execution_history, stats, deadline, "GetExecutionHistory", **kwargs)
        events += page["events"]
        pages += 1
        token = page.get("nextToken")
        if not token:
            return events, pages


def without_timestamps(events):
    out = []
    for e in events:
        e = dict(e)
        e.pop("timestamp", None)
        out.append(e)
    return out


def history_problems(events):
    """What is wrong with a history's ids: they must be 1..N in order, each previousEventId an
    earlier id, and the last event must end the execution."""
    problems = []
    ids = [e.get("id") for e in events]
    if ids != list(range(1, len(events) + 1)):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        missing = sorted(set(range(1, max(ids or [0]) + 1)) - set(ids))
        problems.append("ids not 1..%d in order (duplicates %s, missing %s)"
                        % (len(events), dup, missing))
    for e in events:
        if not 0 <= e.get("previousEventId", -1) < e.get("id", 0):
            problems.append("event %s has previousEventId %s" % (e.get("id"),
                                                                e.get("previousEventId")))
    if not events or events[0]["type"] != "ExecutionStarted":
        problems.append("history does not begin with ExecutionStarted")
    if events and events[-1]["type"] not in ("ExecutionSucceeded", "ExecutionFailed",
                                             "ExecutionAborted", "ExecutionTimedOut"):
        problems.append("history ends with %s" % events[-1]["type"])
    return problems


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "event #%d:\n  got      %s\n  expected %s" % (i + 1, json.dumps(x, default=str),
                                                              json.dumps(y, default=str))
    if len(a) != len(b):
        return "%d events, expected %d" % (len(a), len(b))
    return None


def wait_all_done(sfn, arns, stats, deadline, interval=0.3):
    """DescribeExecution for each until none is RUNNING; returns {arn: description}."""
    done = {}
    pending = list(arns)
    while pending:
        still = []
        for arn in pending:
            d = call(sfn.describe_execution, stats, deadline, "DescribeExecution",
                     executionArn=arn)
            if d["status"] == "RUNNING":
                still.append(arn)
            else:
                done[arn] = d
        pending = still
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError("%d executions still RUNNING at the deadline, e.g. %s"
                                   % (len(pending), pending[:3]))
            time.sleep(interval)
    return done


class OneDataDirTest(unittest.TestCase):
    """A test whose `tactus serve` processes (started with _start, lease 1 s) share one data
    directory in a temporary dir (kept with FAULT_KEEP); every process is killed at the end."""
    dir_prefix = "tactus-fault-"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.dir_prefix)
        if os.environ.get("FAULT_KEEP"):
            print("\nkeeping %s (FAULT_KEEP)" % self.dir)
        else:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.servers = []
        self.addCleanup(self._stop_servers)
        self.stats = Stats()
        self.log = os.path.join(self.dir, "serve.log")
        self.data = os.path.join(self.dir, "data")

    def _stop_servers(self):
        for s in self.servers:
            s.kill()

    def _start(self, listen="127.0.0.1:0"):
        s = start_serve(self.log, data=self.data, listen=listen, lease_seconds=1)
        self.servers.append(s)
        return s
