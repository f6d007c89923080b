#!/usr/bin/env bash
# `tactus serve` through the AWS CLI (aws stepfunctions --endpoint-url ...), as a user drives it:
# state machines, executions, history, an activity worker loop in bash, a sync express
# execution, stopping, deleting. Exits non-zero on any mismatch.
#
# Run by CTest with TACTUS_BIN pointing at the built binary; needs `aws` (AWS CLI v1 or v2) and
# python3 (for JSON checks).
set -euo pipefail

TACTUS="${TACTUS_BIN:-build/debug/src/cli/tactus}"
export AWS_DEFAULT_REGION=us-east-1
# StartSyncExecution has the host prefix "sync-": keep it off an endpoint URL (docs/api.md).
export AWS_DISABLE_HOST_PREFIX_INJECTION=true
export AWS_MAX_ATTEMPTS=1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
ROLE=arn:aws:iam::123456789012:role/tactus-test

WORK="$(mktemp -d)"
SERVER_PID=""
WORKER_PID=""
cleanup() {
  if [[ -n "$WORKER_PID" ]]; then kill "$WORKER_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- tactus serve stderr (tail) ---" >&2
  tail -n 30 "$WORK/serve.err" >&2 || true
  exit 1
}

# json FILE EXPR [ARG...]: prints the Python expression EXPR evaluated with `d` = the JSON in
# FILE (strings as they are, anything else as JSON); the ARGs are sys.argv[2:].
json() {
  python3 -c 'import json, sys; d = json.load(sys.stdin); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' "${@:2}" < "$1"
}

# expect WHAT ACTUAL EXPECTED
expect() {
  if [[ "$2" != "$3" ]]; then fail "$1: expected '$3', got '$2'"; fi
  echo "ok - $1"
}

# --- start the server --------------------------------------------------------------------------
mkfifo "$WORK/serve.out"
"$TACTUS" serve --data "$WORK/data" --listen 127.0.0.1:0 > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVER_PID=$!
exec 3< "$WORK/serve.out"
if ! read -r -t 60 line <&3; then fail "tactus serve printed nothing"; fi
if [[ ! "$line" =~ ^tactus\ serve:\ listening\ on\ (http://127\.0\.0\.1:[0-9]+)\  ]]; then
  fail "unexpected first line: $line"
fi
ENDPOINT="${BASH_REMATCH[1]}"
# The server requires SigV4: use the admin's key it wrote on its first start (docs/auth.md).
[[ "$(stat -c %a "$WORK/data/admin-credentials")" == 600 ]] || fail "admin-credentials is not 0600"
export AWS_SHARED_CREDENTIALS_FILE="$WORK/data/admin-credentials"
# Keep draining stdout so the server never blocks on a full pipe.
cat <&3 > "$WORK/serve.rest" &
echo "ok - tactus serve listening on $ENDPOINT"

sfn() { aws stepfunctions --endpoint-url "$ENDPOINT" --output json "$@"; }

# Unsigned and wrongly signed requests are refused as AWS refuses them.
if aws stepfunctions --endpoint-url "$ENDPOINT" --no-sign-request list-state-machines \
    > /dev/null 2> "$WORK/err.txt"; then fail "an unsigned request succeeded"; fi
grep -q "(MissingAuthenticationTokenException)" "$WORK/err.txt" || fail "unsigned: $(cat "$WORK/err.txt")"
echo "ok - unsigned -> MissingAuthenticationTokenException"
KEY_ID="$(sed -n 's/^aws_access_key_id = //p' "$AWS_SHARED_CREDENTIALS_FILE")"
if AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY=wrong \
    aws stepfunctions --endpoint-url "$ENDPOINT" list-state-machines > /dev/null 2> "$WORK/err.txt"; then
  fail "a request signed with a wrong secret succeeded"
fi
grep -q "(InvalidSignatureException)" "$WORK/err.txt" || fail "wrong secret: $(cat "$WORK/err.txt")"
echo "ok - wrong secret -> InvalidSignatureException"

# sfn_error EXPECTED_CODE ARGS...: the command must fail with that error code.
sfn_error() {
  local code="$1"; shift
  if sfn "$@" > "$WORK/err.out" 2> "$WORK/err.txt"; then fail "$* succeeded; expected $code"; fi
  grep -q "($code)" "$WORK/err.txt" || fail "$*: expected $code, got: $(cat "$WORK/err.txt")"
  echo "ok - $1 $2 -> $code"
}

# wait_status EXECUTION_ARN: polls describe-execution until not RUNNING; prints the final status
# and leaves the description in $WORK/describe.json.
wait_status() {
  local status
  for _ in $(seq 1 300); do
    sfn describe-execution --execution-arn "$1" > "$WORK/describe.json"
    status="$(json "$WORK/describe.json" 'd["status"]')"
    if [[ "$status" != RUNNING ]]; then echo "$status"; return; fi
    sleep 0.1
  done
  echo RUNNING
}

# --- create-state-machine, start-execution, describe-execution -------------------------------
cat > "$WORK/hello.json" <<'EOF'
{"StartAt": "Greet", "States": {
  "Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"},
            "Next": "Pause"},
  "Pause": {"Type": "Wait", "SecondsPath": "$$.Execution.Input.pause", "Next": "Done"},
  "Done": {"Type": "Succeed"}}}
EOF
sfn create-state-machine --name hello --role-arn "$ROLE" \
  --definition "file://$WORK/hello.json" > "$WORK/create.json"
SM="$(json "$WORK/create.json" 'd["stateMachineArn"]')"
expect "create-state-machine ARN" "$SM" "arn:aws:states:us-east-1:123456789012:stateMachine:hello"
sfn describe-state-machine --state-machine-arn "$SM" > "$WORK/dsm.json"
expect "describe-state-machine status" "$(json "$WORK/dsm.json" 'd["status"]')" ACTIVE
expect "describe-state-machine definition" \
  "$(json "$WORK/dsm.json" 'json.loads(d["definition"]) == json.load(open(sys.argv[2]))' \
     "$WORK/hello.json")" true
sfn_error InvalidDefinition create-state-machine --name broken --role-arn "$ROLE" \
  --definition '{"StartAt": "Nowhere", "States": {}}'

sfn start-execution --state-machine-arn "$SM" --name run-1 --input '{"who": "world", "pause": 1}' \
  > "$WORK/start.json"
EXEC="$(json "$WORK/start.json" 'd["executionArn"]')"
expect "start-execution ARN" "$EXEC" "arn:aws:states:us-east-1:123456789012:execution:hello:run-1"
expect "describe-execution status" "$(wait_status "$EXEC")" SUCCEEDED
expect "describe-execution output" "$(json "$WORK/describe.json" 'json.loads(d["output"])')" \
  '{"greeting": "hello world"}'
sfn_error ExecutionAlreadyExists start-execution --state-machine-arn "$SM" --name run-1 \
  --input '{"who": "someone else"}'

# --- get-execution-history, list-executions -----------------------------------------------------
sfn get-execution-history --execution-arn "$EXEC" > "$WORK/history.json"
expect "get-execution-history types" "$(json "$WORK/history.json" '" ".join(e["type"] for e in d["events"])')" \
  "ExecutionStarted PassStateEntered PassStateExited WaitStateEntered WaitStateExited SucceedStateEntered SucceedStateExited ExecutionSucceeded"
expect "get-execution-history ids" "$(json "$WORK/history.json" '[e["id"] for e in d["events"]] == list(range(1, len(d["events"]) + 1))')" true
sfn get-execution-history --execution-arn "$EXEC" --reverse-order --max-items 1 > "$WORK/last.json"
expect "get-execution-history --reverse-order" "$(json "$WORK/last.json" 'd["events"][0]["type"]')" \
  ExecutionSucceeded

sfn start-execution --state-machine-arn "$SM" --name run-2 --input '{"who": "again", "pause": 100}' \
  > /dev/null
sfn list-executions --state-machine-arn "$SM" > "$WORK/list.json"
expect "list-executions count" "$(json "$WORK/list.json" 'len(d["executions"])')" 2
expect "list-executions names" "$(json "$WORK/list.json" '" ".join(sorted(e["name"] for e in d["executions"]))')" \
  "run-1 run-2"
sfn list-executions --state-machine-arn "$SM" --status-filter SUCCEEDED > "$WORK/list-ok.json"
expect "list-executions --status-filter SUCCEEDED" \
  "$(json "$WORK/list-ok.json" '[e["name"] for e in d["executions"]]')" '["run-1"]'
# The CLI pages through everything by itself; a page size of 1 must give the same list.
sfn list-executions --state-machine-arn "$SM" --page-size 1 > "$WORK/list-paged.json"
expect "list-executions --page-size 1" \
  "$(json "$WORK/list-paged.json" '" ".join(sorted(e["name"] for e in d["executions"]))')" "run-1 run-2"
sfn list-executions --state-machine-arn "$SM" --status-filter RUNNING > "$WORK/list-running.json"
expect "list-executions --status-filter RUNNING" \
  "$(json "$WORK/list-running.json" '[e["name"] for e in d["executions"]]')" '["run-2"]'
sfn stop-execution --execution-arn "arn:aws:states:us-east-1:123456789012:execution:hello:run-2" \
  > /dev/null

# --- activities and a worker loop in bash ----------------------------------------------------
sfn create-activity --name resize > "$WORK/activity.json"
ACTIVITY="$(json "$WORK/activity.json" 'd["activityArn"]')"
expect "create-activity ARN" "$ACTIVITY" "arn:aws:states:us-east-1:123456789012:activity:resize"
sfn list-activities > "$WORK/activities.json"
expect "list-activities" "$(json "$WORK/activities.json" '[a["name"] for a in d["activities"]]')" \
  '["resize"]'
cat > "$WORK/worker-flow.json" <<EOF
{"StartAt": "Resize", "States": {
  "Resize": {"Type": "Task", "Resource": "$ACTIVITY", "TimeoutSeconds": 60, "End": true}}}
EOF
sfn create-state-machine --name resizer --role-arn "$ROLE" \
  --definition "file://$WORK/worker-flow.json" > "$WORK/create2.json"
SM2="$(json "$WORK/create2.json" 'd["stateMachineArn"]')"

# The worker: takes 3 tasks, answers each with its input's size doubled.
(
  set -euo pipefail
  done_tasks=0
  while (( done_tasks < 3 )); do
    # GetActivityTask long-polls up to 60 s: a read timeout longer than that.
    sfn get-activity-task --cli-read-timeout 90 --activity-arn "$ACTIVITY" \
      --worker-name bash-worker > "$WORK/task.json"
    token="$(json "$WORK/task.json" 'd.get("taskToken") or ""')"
    [[ -z "$token" ]] && continue
    size="$(json "$WORK/task.json" 'json.loads(d["input"])["size"]')"
    sfn send-task-heartbeat --task-token "$token"
    sfn send-task-success --task-token "$token" --task-output "{\"resized\": $((size * 2))}"
    done_tasks=$((done_tasks + 1))
  done
) > "$WORK/worker.log" 2>&1 &
WORKER_PID=$!
for i in 1 2 3; do
  sfn start-execution --state-machine-arn "$SM2" --name "job-$i" --input "{\"size\": $((i * 10))}" \
    > /dev/null
done
for i in 1 2 3; do
  expect "activity job-$i" \
    "$(wait_status "arn:aws:states:us-east-1:123456789012:execution:resizer:job-$i")" SUCCEEDED
  expect "activity job-$i output" "$(json "$WORK/describe.json" 'json.loads(d["output"])')" \
    "{\"resized\": $((i * 20))}"
done
if ! wait "$WORKER_PID"; then WORKER_PID=""; fail "the worker failed: $(cat "$WORK/worker.log")"; fi
WORKER_PID=""
echo "ok - bash activity worker answered 3 tasks"
sfn get-execution-history --execution-arn "arn:aws:states:us-east-1:123456789012:execution:resizer:job-1" \
  > "$WORK/history2.json"
expect "activity history" "$(json "$WORK/history2.json" '[t for t in ("ActivityScheduled", "ActivityStarted", "ActivitySucceeded") if t not in [e["type"] for e in d["events"]]]')" '[]'
sfn_error TaskDoesNotExist send-task-success --task-token "$(json "$WORK/task.json" 'd["taskToken"]')" \
  --task-output '{}'

# --- start-sync-execution on an EXPRESS machine ----------------------------------------------
cat > "$WORK/express.json" <<'EOF'
{"StartAt": "Add", "States": {
  "Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": true}}}
EOF
sfn create-state-machine --name adder --type EXPRESS --role-arn "$ROLE" \
  --definition "file://$WORK/express.json" > "$WORK/create3.json"
SM3="$(json "$WORK/create3.json" 'd["stateMachineArn"]')"
sfn start-sync-execution --state-machine-arn "$SM3" --input '{"a": 2, "b": 40}' > "$WORK/sync.json"
expect "start-sync-execution status" "$(json "$WORK/sync.json" 'd["status"]')" SUCCEEDED
expect "start-sync-execution output" "$(json "$WORK/sync.json" 'json.loads(d["output"])')" '{"sum": 42}'
sfn_error StateMachineTypeNotSupported start-sync-execution --state-machine-arn "$SM"

# --- stop-execution ---------------------------------------------------------------------------
cat > "$WORK/long.json" <<'EOF'
{"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 100, "End": true}}}
EOF
sfn create-state-machine --name sleeper --role-arn "$ROLE" \
  --definition "file://$WORK/long.json" > "$WORK/create4.json"
SM4="$(json "$WORK/create4.json" 'd["stateMachineArn"]')"
sfn start-execution --state-machine-arn "$SM4" > "$WORK/start4.json"
EXEC4="$(json "$WORK/start4.json" 'd["executionArn"]')"
sfn stop-execution --execution-arn "$EXEC4" --error Operator.Stop --cause "not needed" > /dev/null
sfn describe-execution --execution-arn "$EXEC4" > "$WORK/describe4.json"
expect "stop-execution status" "$(json "$WORK/describe4.json" 'd["status"]')" ABORTED
expect "stop-execution error" "$(json "$WORK/describe4.json" 'd.get("error")')" Operator.Stop
sfn get-execution-history --execution-arn "$EXEC4" --reverse-order > "$WORK/history4.json"
expect "stop-execution history" "$(json "$WORK/history4.json" 'd["events"][0]["type"]')" ExecutionAborted

# --- delete-state-machine ---------------------------------------------------------------------
for arn in "$SM" "$SM2" "$SM3" "$SM4"; do
  sfn delete-state-machine --state-machine-arn "$arn" > /dev/null
done
sfn_error StateMachineDoesNotExist describe-state-machine --state-machine-arn "$SM"
sfn list-state-machines > "$WORK/machines.json"
expect "list-state-machines after delete" "$(json "$WORK/machines.json" 'd["stateMachines"]')" '[]'
sfn delete-activity --activity-arn "$ACTIVITY" > /dev/null
sfn_error ActivityDoesNotExist describe-activity --activity-arn "$ACTIVITY"

# --- stop the server: SIGTERM, exit code 0 ----------------------------------------------------
kill -TERM "$SERVER_PID"
code=0
wait "$SERVER_PID" || code=$?
SERVER_PID=""
expect "tactus serve exit code after SIGTERM" "$code" 0
echo "PASS"
