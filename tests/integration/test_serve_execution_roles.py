"""Execution roles (docs/auth.md, "Execution roles") in `tactus serve`, through boto3: every task
acts as its state machine's role and is checked before it touches anything. A workflow denied on
one collection and allowed on another; an explicit deny wins and is named; Credentials.RoleArn
narrows the role for one state; an HTTP task denied never calls; a role that does not exist and
Tactus's own databases are refused; express executions and nested executions are checked too;
the audit trail records the role."""
import json
import time
import unittest

from serve_util import ACCOUNT, ROLE, ServeTestCase, loopback_http

M = "arn:tactus:states:::mongodb:"


def task(op, parameters, next_state=None, **extra):
    state = {"Type": "Task", "Resource": M + op, "Parameters": parameters, **extra}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def allow(actions, resources, sid=None):
    s = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if sid:
        s["Sid"] = sid
    return s


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


class ExecutionRolesTest(ServeTestCase):
    def role(self, prefix, *statements, trust=None):
        return self.server.create_role(self.unique(prefix), policy(*statements), trust=trust)

    def machine(self, definition, role, type="STANDARD"):
        return self.sfn.create_state_machine(
            name=self.unique("roles"), roleArn=role, type=type,
            definition=json.dumps(definition))["stateMachineArn"]

    def run_as(self, role, definition, input=None):
        execution = self.start(self.machine(definition, role), input or {})
        return execution, self.wait_done(execution)

    def count(self, db, collection):
        """Documents in db.collection, counted as the permissive test role."""
        out = self.run_ok(self.create_machine({"StartAt": "C", "States": {
            "C": task("countDocuments", {"Database": db, "Collection": collection})}}), {})
        return out["Count"]

    def test_denied_on_one_collection_allowed_on_another(self):
        db = self.unique("shop")
        orders = f"arn:tactus:mongodb:::{db}/orders"
        role = self.role("orders", allow(["mongodb:insert", "mongodb:find"], orders))
        definition = {"StartAt": "Order", "States": {
            "Order": task("insertOne", {"Database": db, "Collection": "orders",
                                        "Document": {"_id": 1}}, "Pay", ResultPath=None),
            "Pay": task("insertOne", {"Database": db, "Collection": "payments",
                                      "Document": {"_id": 1}})}}
        _, d = self.run_as(role, definition)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.Permissions")
        self.assertEqual(d["cause"],
                         f"Role {role} is not authorized to perform: mongodb:insert on resource: "
                         f"arn:tactus:mongodb:::{db}/payments because no identity-based policy "
                         "allows the mongodb:insert action")
        self.assertEqual(self.count(db, "orders"), 1)
        self.assertEqual(self.count(db, "payments"), 0)

    def test_explicit_deny_wins_and_is_named(self):
        db = self.unique("shop")
        role = self.role("nopay", allow("mongodb:*", f"arn:tactus:mongodb:::{db}/*"),
                         {"Sid": "NoPayments", "Effect": "Deny", "Action": "mongodb:*",
                          "Resource": f"arn:tactus:mongodb:::{db}/payments"})
        _, d = self.run_as(role, {"StartAt": "Read", "States": {
            "Read": task("find", {"Database": db, "Collection": "payments"})}})
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.Permissions")
        name = role.rsplit("/", 1)[1]
        self.assertIn(f"with an explicit deny in statement 'NoPayments' of policy "
                      f"'role/{name}/policy'", d["cause"])
        # The deny is caught like any error.
        _, d = self.run_as(role, {"StartAt": "Read", "States": {
            "Read": task("find", {"Database": db, "Collection": "payments"},
                         Catch=[{"ErrorEquals": ["States.Permissions"], "Next": "Denied"}]),
            "Denied": {"Type": "Pass", "Result": "denied", "End": True}}})
        self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", "denied"))

    def test_credentials_role_arn_narrows_the_role_for_one_state(self):
        db = self.unique("shop")
        execution_role_name = self.unique("exec")
        execution_role = f"arn:aws:iam::{ACCOUNT}:role/{execution_role_name}"
        reader = self.role("reader", allow("mongodb:find", f"arn:tactus:mongodb:::{db}/*"),
                           trust=policy({"Effect": "Allow", "Action": "sts:AssumeRole",
                                         "Principal": {"AWS": execution_role}}))
        self.server.create_role(execution_role_name, policy(
            allow("mongodb:*", f"arn:tactus:mongodb:::{db}/*"),
            allow("sts:AssumeRole", reader)))
        narrowed = {"Credentials": {"RoleArn": reader}}
        _, d = self.run_as(execution_role, {"StartAt": "Seed", "States": {
            "Seed": task("insertOne", {"Database": db, "Collection": "c", "Document": {"_id": 1}},
                         "Read", ResultPath=None),
            "Read": task("find", {"Database": db, "Collection": "c"}, "Delete",
                         ResultPath="$.found", **narrowed),
            "Delete": task("deleteMany", {"Database": db, "Collection": "c", "Filter": {}},
                           **narrowed)}})
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.Permissions")
        self.assertTrue(d["cause"].startswith(f"Role {reader} is not authorized to perform: "
                                              "mongodb:remove"), d["cause"])
        self.assertEqual(self.count(db, "c"), 1)
        # A role that does not trust the execution role cannot be assumed.
        untrusting = self.role("untrusting", allow("mongodb:*", "*"))
        self.server.create_role(execution_role_name, policy(
            allow("mongodb:*", f"arn:tactus:mongodb:::{db}/*"), allow("sts:AssumeRole", "*")))
        time.sleep(1.1)  # roles are cached for up to 1 s
        _, d = self.run_as(execution_role, {"StartAt": "Read", "States": {
            "Read": task("find", {"Database": db, "Collection": "c"},
                         Credentials={"RoleArn": untrusting})}})
        self.assertEqual(d["error"], "States.Permissions", d)
        self.assertIn("its trust policy does not trust " + execution_role, d["cause"])

    def test_http_task_denied_never_calls(self):
        calls = []
        server, base = loopback_http(lambda handler, _: calls.append(handler.path), body=b"")
        try:
            role = self.role("web", allow("http:invoke", f"arn:tactus:http:::{base}/allowed*"))
            call = lambda path: {"StartAt": "Call", "States": {"Call": {
                "Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
                "Parameters": {"ApiEndpoint": base + path, "Method": "GET"}}}}
            _, d = self.run_as(role, call("/secret?token=x"))
            self.assertEqual(d["status"], "FAILED", d)
            self.assertEqual(d["error"], "States.Permissions")
            self.assertIn(f"http:invoke on resource: arn:tactus:http:::{base}/secret because",
                          d["cause"])
            self.assertNotIn("token=x", d["cause"])
            self.assertEqual(calls, [])
            _, d = self.run_as(role, call("/allowed/1"))
            self.assertEqual(d["status"], "SUCCEEDED", d)
            self.assertEqual(calls, ["/allowed/1"])
        finally:
            server.shutdown()
            server.server_close()

    def test_unknown_role_and_own_databases_are_refused(self):
        db = self.unique("shop")
        ghost = f"arn:aws:iam::{ACCOUNT}:role/{self.unique('ghost')}"
        _, d = self.run_as(ghost, {"StartAt": "Read", "States": {
            "Read": task("find", {"Database": db, "Collection": "c"})}})
        self.assertEqual(d["error"], "States.Permissions", d)
        self.assertIn(f"Role {ghost} does not exist in the IAM store", d["cause"])
        everything = self.role("everything", allow("*", "*"))
        for own in ("tactus", "tactus_audit"):
            _, d = self.run_as(everything, {"StartAt": "Read", "States": {
                "Read": task("find", {"Database": own, "Collection": "executions"})}})
            self.assertEqual(d["error"], "States.Permissions", d)
            self.assertIn(f"{own} is Tactus's own database", d["cause"])

    def test_express_executions_are_checked_too(self):
        db = self.unique("shop")
        role = self.role("express", allow("mongodb:find", f"arn:tactus:mongodb:::{db}/open"))
        arn = self.machine({"StartAt": "Read", "States": {
            "Read": task("find", {"Database": db, "Collection.$": "$.c"})}}, role, "EXPRESS")
        ok = self.sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"c": "open"}))
        self.assertEqual(ok["status"], "SUCCEEDED", ok)
        denied = self.sfn.start_sync_execution(stateMachineArn=arn,
                                               input=json.dumps({"c": "closed"}))
        self.assertEqual((denied["status"], denied["error"]), ("FAILED", "States.Permissions"))

    def test_nested_executions_need_states_start_execution(self):
        child = self.create_machine({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                       "End": True}}})
        other = self.create_machine({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                       "End": True}}})
        # As AWS: .sync also needs DescribeExecution and StopExecution on the child's executions.
        child_executions = child.replace(":stateMachine:", ":execution:") + ":*"
        role = self.role("parent", allow("states:StartExecution", child),
                         allow(["states:DescribeExecution", "states:StopExecution"],
                               child_executions))
        start = lambda arn: {"StartAt": "Child", "States": {"Child": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": arn}, "End": True}}}
        _, d = self.run_as(role, start(child))
        self.assertEqual(d["status"], "SUCCEEDED", d)
        _, d = self.run_as(role, start(other))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Permissions"), d)
        self.assertIn(f"states:StartExecution on resource: {other} because", d["cause"])

    def test_audit_records_show_the_role(self):
        db = self.unique("shop")
        role = self.role("audited", allow("mongodb:insert", f"arn:tactus:mongodb:::{db}/ok"))
        execution, d = self.run_as(role, {"StartAt": "Ok", "States": {
            "Ok": task("insertOne", {"Database": db, "Collection": "ok", "Document": {"_id": 7}},
                       "No", ResultPath=None),
            "No": task("insertOne", {"Database": db, "Collection": "no",
                                     "Document": {"_id": 8}})}})
        self.assertEqual(d["error"], "States.Permissions", d)
        reader = self.create_machine({"StartAt": "Find", "States": {"Find": task("find", {
            "Database": "tactus_audit", "Collection": "records",
            "Filter": {"execution": execution}})}})
        deadline = time.monotonic() + 20
        while True:
            # A record's content is in "fields" (JSON text), its kind beside it.
            records = [{"kind": r["kind"], **json.loads(r["fields"])}
                       for r in self.run_ok(reader, {})["Documents"]]
            data = [r for r in records if r["kind"] == "data"]
            failures = [e for r in records if r["kind"] == "transition"
                        for e in r.get("events", []) if e.get("error") == "States.Permissions"]
            if data and failures:
                break
            self.assertLess(time.monotonic(), deadline, records)
            time.sleep(0.2)
        self.assertEqual([(r["namespace"], r["role"]) for r in data], [(f"{db}.ok", role)])
        self.assertIn(f"Role {role} is not authorized to perform: mongodb:insert",
                      failures[0]["cause"])


if __name__ == "__main__":
    unittest.main()
