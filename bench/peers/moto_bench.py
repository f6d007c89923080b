#!/usr/bin/env python3
"""Peer benchmark: moto's Step Functions backend executing state machines.

    python3 moto_bench.py --workflows DIR [--only a,b] [--min-time SECONDS] [--max-runs N]

Inside mock_aws(config={"stepfunctions": {"execute_state_machine": True}}) moto runs the
definition with its ASL interpreter (ported from LocalStack) on a background thread. For each
workflow in DIR/manifest.json this starts executions one after another through boto3
(start_execution, then describe_execution polled with a backoff until the execution leaves
RUNNING), for at least --min-time seconds of timed execution and at most --max-runs executions.
Each execution runs on its own state machine, created untimed beforehand (see below).

Prints one JSON object (same shape as local_sfn_bench.mjs):
  {"engine": "moto", "version": "...", "results": {NAME: {"executions": N, "seconds": S,
     "exec_per_s": E, "us_per_transition": U, "status": ..., "output": ..., "error": ...}}}
or {"engine": "moto", "unavailable": "<reason>"} when moto or boto3 cannot be imported.
"""
import argparse
import json
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workflows", required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--max-runs", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=120.0, help="per execution, seconds")
    args = parser.parse_args()

    try:
        import boto3
        import moto
        from moto import mock_aws
    except Exception as err:  # moto/boto3 missing: the caller prints n/a
        print(json.dumps({"engine": "moto", "unavailable": f"{type(err).__name__}: {err}"}))
        return 0

    # Fake credentials and region: nothing leaves the process under mock_aws.
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_SESSION_TOKEN", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ[key] = value
    os.environ.pop("AWS_PROFILE", None)

    with open(os.path.join(args.workflows, "manifest.json")) as f:
        manifest = json.load(f)
    only = set(filter(None, args.only.split(",")))
    results = {}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        role = "arn:aws:iam::123456789012:role/tactus-bench"
        for entry in manifest["workflows"]:
            name = entry["name"]
            if only and name not in only:
                continue
            with open(os.path.join(args.workflows, f"{name}.json")) as f:
                definition = f.read()
            with open(os.path.join(args.workflows, f"{name}.input.json")) as f:
                input_text = json.dumps(json.load(f))
            # moto 5.2.1 deep-copies the state machine on every StartExecution, and through its
            # `backend` attribute that reaches every state machine of the region and their past
            # executions, which hold locks that cannot be copied ("TypeError: cannot pickle
            # '_thread.RLock' object"): a second execution in the region fails. So every
            # execution gets a freshly created state machine that is deleted once the execution
            # has finished; creating and deleting it are not timed.
            counter = [0]

            def create():
                counter[0] += 1
                return client.create_state_machine(
                    name=f"{name}-{counter[0]}", definition=definition,
                    roleArn=role)["stateMachineArn"]

            def run_once(arn):
                execution = client.start_execution(stateMachineArn=arn, name="run",
                                                   input=input_text)
                started = time.monotonic()
                while True:
                    desc = client.describe_execution(executionArn=execution["executionArn"])
                    if desc["status"] != "RUNNING":
                        return desc
                    waited = time.monotonic() - started
                    if waited > args.timeout:
                        return {"status": "TIMED_OUT_IN_BENCH"}
                    # Each poll is a whole botocore request that holds the GIL the execution
                    # thread needs: back off to about 5% of the time waited so far, so polling
                    # neither starves the execution nor overshoots its end by more than ~5%.
                    time.sleep(min(max(0.0002, waited * 0.05), 0.1))

            record = {"transitions": entry["transitions"]}
            try:
                # The first execution is checked and is also the first timed sample (no JIT to
                # warm up; some workflows take over a minute per execution on moto).
                arn = create()
                start = time.perf_counter()
                first = run_once(arn)
                elapsed = time.perf_counter() - start
                client.delete_state_machine(stateMachineArn=arn)
            except Exception as err:
                record.update(status="FAILED", error=f"{type(err).__name__}: {err}")
                results[name] = record
                continue
            record["status"] = first["status"]
            if first["status"] != "SUCCEEDED":
                record["error"] = f"{first.get('error')}: {first.get('cause')}"
                results[name] = record
                continue
            record["output"] = json.loads(first["output"])

            n = 1
            while n < args.max_runs and elapsed < args.min_time:
                arn = create()
                start = time.perf_counter()
                desc = run_once(arn)
                elapsed += time.perf_counter() - start
                client.delete_state_machine(stateMachineArn=arn)
                if desc["status"] != "SUCCEEDED":
                    record.update(status="FAILED", error="a timed run did not succeed")
                    break
                n += 1
            record.update(executions=n, seconds=elapsed, exec_per_s=n / elapsed,
                          us_per_transition=elapsed * 1e6 / (n * entry["transitions"]))
            results[name] = record

    print(json.dumps({"engine": "moto", "version": moto.__version__,
                      "python": sys.version.split()[0], "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
