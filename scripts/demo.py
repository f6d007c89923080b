#!/usr/bin/env python3
"""`make demo`: examples/archive-stale-orders on a fresh `tactus serve` (embedded store).

Starts `tactus serve` on a temporary data directory and a free port, and a small webhook
receiver; creates the archive-stale-orders state machine and its nightly schedule; seeds sample
orders spread over the last 90 days with a MongoDB task execution (seed-orders.asl.json); runs
the archive once now, waits for it, and prints what moved and what stayed, the execution history,
the webhook's payload and how long it took. Then stops the server and removes the directory.

Python 3 standard library only. Usage: scripts/demo.py [--tactus BIN] [--orders N]
"""
import argparse
import configparser
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zoneinfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join("examples", "archive-stale-orders")  # relative to ROOT
LISTENING = re.compile(r"^tactus serve: listening on (http://127\.0\.0\.1:\d+)")


def say(text=""):
    print(text, flush=True)


class Webhook:
    """Records the JSON bodies POSTed to it (127.0.0.1, a free port)."""

    def __init__(self):
        self.bodies = []
        self.arrived = threading.Event()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.bodies.append(json.loads(body or b"null"))
                hook.arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/archive"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Demo:
    def __init__(self, tactus):
        self.tactus = tactus
        self.tmp = tempfile.mkdtemp(prefix="tactus-demo-")
        self.proc = None
        self.endpoint = None

    def serve(self):
        data = os.path.join(self.tmp, "data")
        self.log = open(os.path.join(self.tmp, "serve.log"), "wb")
        self.proc = subprocess.Popen([self.tactus, "serve", "--data", data,
                                      "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=self.log)
        line, deadline = b"", time.monotonic() + 60
        while not line.endswith(b"\n"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"tactus serve did not start: {line!r}\n{self.server_log()}")
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line += os.read(self.proc.stdout.fileno(), 1)
        m = LISTENING.match(line.decode())
        if not m:
            raise RuntimeError(f"unexpected first line of tactus serve: {line!r}")
        self.endpoint = m.group(1)
        # The server requires SigV4 (docs/auth.md): the admin's key from its first start.
        self.data = data
        credentials = configparser.ConfigParser()
        credentials.read(os.path.join(data, "admin-credentials"))
        self.key_id = credentials["default"]["aws_access_key_id"]
        self.secret = credentials["default"]["aws_secret_access_key"]
        # Tasks run as their state machine's role (docs/auth.md, "Execution roles"): "tactus",
        # the default of `tactus state-machines create`, may do what the examples do.
        self.rest("POST", "/v1/iam/roles/tactus", {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}})
        self.rest("PUT", "/v1/iam/roles/tactus/policies/examples", {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["mongodb:*", "http:invoke"],
                "Resource": ["arn:tactus:mongodb:::shop/*", "arn:tactus:mongodb:::cold/*",
                             "arn:tactus:mongodb:::ops/*",
                             "arn:tactus:http:::http://127.0.0.1:*"]}]})
        return data

    def server_log(self):
        try:
            with open(os.path.join(self.tmp, "serve.log"), "rb") as f:
                return f.read().decode(errors="replace")[-3000:]
        except OSError:
            return ""

    def cli(self, *args, show=True, check=True):
        command = [self.tactus, *args, "--endpoint", self.endpoint]
        if show:
            say("$ tactus " + " ".join(_quote(a) for a in args))
        p = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT,
                           env={**os.environ, "TACTUS_DATA": self.data})
        if check and p.returncode != 0:
            raise RuntimeError(f"tactus {' '.join(args)} exited {p.returncode}:\n"
                               f"{p.stdout}{p.stderr}")
        return p

    def has_command(self, group):
        p = subprocess.run([self.tactus, group, "--help"], capture_output=True, text=True)
        return p.returncode == 0

    def rest(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = self.sign(method, path, data or b"", {"Content-Type": "application/json"})
        request = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def sign(self, method, path, body, headers, region="us-east-1"):
        """SigV4 (docs/auth.md, "SigV4"), service "scheduler" for /schedules, else "tactus"; the
        path carries no query string here."""
        service = "scheduler" if path.startswith("/schedules") else "tactus"
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        headers = {**headers, "Host": self.endpoint.split("://", 1)[1], "X-Amz-Date": stamp}
        names = sorted(headers, key=str.lower)
        signed = ";".join(n.lower() for n in names)
        canonical = "\n".join([
            method, urllib.parse.quote(path, safe="/-_.~"), "",
            "".join(f"{n.lower()}:{headers[n].strip()}\n" for n in names), signed,
            hashlib.sha256(body).hexdigest()])
        scope = f"{day}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret).encode()
        for part in (day, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.key_id}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
        return headers

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _quote(arg):
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def when(epoch, zone):
    """`epoch` on the schedule's wall clock, and in UTC."""
    utc = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    try:
        local = utc.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = zone
    return f"{local} ({utc.strftime('%Y-%m-%d %H:%M')} UTC)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tactus", default=os.environ.get(
        "TACTUS_BIN", os.path.join(ROOT, "build", "release", "src", "cli", "tactus")))
    parser.add_argument("--orders", type=int, default=10000)
    args = parser.parse_args()

    demo, webhook = Demo(os.path.abspath(args.tactus)), Webhook()
    began = time.monotonic()
    try:
        data = demo.serve()
        say(f"== tactus serve --data {data} (embedded store): {demo.endpoint}")
        say(f"== webhook receiver: {webhook.url}")
        say()

        say("== the workflow and its nightly schedule")
        demo.cli("state-machines", "create", "archive-stale-orders",
                 "--definition", os.path.join(EXAMPLE, "definition.asl.json"))
        run_input = json.dumps({"webhook": webhook.url})
        if demo.has_command("schedules"):
            demo.cli("schedules", "create", "archive-stale-orders",
                     "--expression", "cron(0 3 * * ? *)", "--timezone", "Europe/Berlin",
                     "--state-machine", "archive-stale-orders", "--input", run_input)
        else:
            with open(os.path.join(ROOT, EXAMPLE, "schedule.json"), encoding="utf-8") as f:
                spec = json.load(f)
            spec["Target"]["Input"] = run_input
            say("$ POST /schedules/archive-stale-orders  (examples/archive-stale-orders/"
                "schedule.json)")
            demo.rest("POST", "/schedules/archive-stale-orders", spec)
        schedule = demo.rest("GET", "/schedules/archive-stale-orders")
        say(f"   {schedule['ScheduleExpression']} {schedule['ScheduleExpressionTimezone']}: "
            f"next run {when(schedule['NextFireTime'], schedule['ScheduleExpressionTimezone'])}")
        say()

        say(f"== {args.orders:,} sample orders, created over the last 90 days "
            "(one aggregate: $range, $unwind, $merge)")
        demo.cli("state-machines", "create", "seed-orders",
                 "--definition", os.path.join(EXAMPLE, "seed-orders.asl.json"))
        t = time.monotonic()
        demo.cli("executions", "start", "seed-orders", "--name", "seed",
                 "--input", json.dumps({"count": args.orders}))
        seeded = json.loads(demo.cli("executions", "wait", "seed-orders:seed",
                                     "--timeout", "300", show=False).stdout)
        seed_seconds = time.monotonic() - t
        say(f"   shop.orders holds {seeded['orders']:,} orders ({seed_seconds:.1f} s)")
        say()

        say("== archive-stale-orders, now (not waiting for 03:00)")
        t = time.monotonic()
        demo.cli("executions", "start", "archive-stale-orders", "--name", "demo-run",
                 "--input", run_input)
        wait = demo.cli("executions", "wait", "archive-stale-orders:demo-run", "--timeout", "600",
                        check=False)
        archive_seconds = time.monotonic() - t
        if wait.returncode != 0:
            say(wait.stdout + wait.stderr)
            raise RuntimeError("archive-stale-orders did not succeed")
        result = json.loads(wait.stdout)
        say(f"   output: {json.dumps(result)}")
        say()

        say("== execution history")
        say(demo.cli("executions", "history", "archive-stale-orders:demo-run").stdout.rstrip())
        say()

        say("== what the webhook received")
        webhook.arrived.wait(10)
        for body in webhook.bodies:
            say("   " + json.dumps(body, indent=2).replace("\n", "\n   "))
        say()

        say("== summary")
        say(f"   moved to cold.orders_archive:  {result['moved']:,} orders older than 30 days, "
            f"in {result['batches']} batches of up to 500")
        say(f"   stayed in shop.orders:         {result['kept']:,}")
        say(f"   seeding took {seed_seconds:.1f} s; archiving took {archive_seconds:.1f} s "
            f"({result['moved'] / max(archive_seconds, 1e-9):,.0f} orders/s); "
            f"the whole demo {time.monotonic() - began:.1f} s")
        return 0
    except Exception as e:  # the demo's failure, with the server's last words
        say(f"demo failed: {e}")
        log = demo.server_log()
        if log:
            say("--- tactus serve log (tail) ---\n" + log)
        return 1
    finally:
        webhook.close()
        demo.stop()


if __name__ == "__main__":
    sys.exit(main())
