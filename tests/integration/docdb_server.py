"""Starts and stops `tactus store` for integration tests (standard library only)."""
import os
import re
import signal
import subprocess
import tempfile
import time

TACTUS = os.environ.get("TACTUS_BIN", "build/debug/src/cli/tactus")


class StoreProcess:
    """A `tactus store` on an ephemeral loopback port and a data directory of its own."""

    def __init__(self, dbpath=None, args=()):
        self._tmp = None
        if dbpath is None:
            self._tmp = tempfile.TemporaryDirectory()
            dbpath = self._tmp.name
        self.dbpath = dbpath
        self.args = list(args)  # extra `tactus store` flags, e.g. ["--auth"]
        self.proc = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen(
            [TACTUS, "store", "--dbpath", self.dbpath, "--port", "0"] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("tactus store exited before listening")
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                return self
        raise RuntimeError("tactus store did not report its port")

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def cleanup(self):
        self.stop()
        if self._tmp:
            self._tmp.cleanup()
