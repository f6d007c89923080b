"""Authentication and authorization of `tactus serve` (docs/auth.md, "Authentication and
authorization in tactus serve") through real clients: boto3, the AWS CLI and `tactus iam`.

Unsigned, wrongly signed, stale and unknown-key requests are refused as AWS refuses them; a user
allowed StartExecution on one state machine only is denied elsewhere with AWS's message, an
explicit Deny wins, and the audit trail records the principal, decision and statement; the
admin's credentials file and the master key are 0600 and no access key secret is stored in clear.

Run by CTest with TACTUS_BIN pointing at the built binary (python3 with boto3; awscli optional).
"""
import datetime
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from unittest import mock

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from serve_util import ACCOUNT, REGION, ROLE, TACTUS, Server, ServeTestCase

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
MACHINE_PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"


def error_of(caught):
    return caught.exception.response["Error"]["Code"], caught.exception.response["Error"]["Message"]


class AuthTest(ServeTestCase):

    def tactus(self, *args, env=None, check=True):
        p = subprocess.run([TACTUS, *args, "--endpoint", self.server.endpoint],
                           capture_output=True, text=True, timeout=60,
                           env=env if env is not None else self.server.env(MONGOC_DISABLE_SHM="1"))
        if check:
            self.assertEqual(p.returncode, 0, f"tactus {' '.join(args)}: {p.stdout}{p.stderr}")
        return p

    def new_user(self, name, policies):
        """A user with inline policies {name: document} and an access key; its sfn client."""
        self.tactus("iam", "create-user", name)
        for policy_name, document in policies.items():
            self.tactus("iam", "put-user-policy", name, policy_name, "--document",
                        json.dumps(document))
        key = json.loads(self.tactus("iam", "create-access-key", name).stdout)["AccessKey"]
        self.assertTrue(key["AccessKeyId"].startswith("AKIA"))
        return key, self.server.client(access_key_id=key["AccessKeyId"],
                                       secret_access_key=key["SecretAccessKey"])

    def raw_post(self, headers, body=b"{}"):
        request = urllib.request.Request(self.server.endpoint + "/", data=body, method="POST",
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, dict(r.headers), json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def signed_headers(self, secret=None, when=None, service="states"):
        body = b"{}"
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=self.server.endpoint + "/", data=body,
            headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines",
                     "Content-Type": "application/x-amz-json-1.0"})
        credentials = botocore.credentials.Credentials(
            self.server.access_key_id, secret or self.server.secret_access_key)
        signer = botocore.auth.SigV4Auth(credentials, service, REGION)
        if when is None:
            signer.add_auth(request)
        else:
            with mock.patch("botocore.auth.get_current_datetime", return_value=when):
                signer.add_auth(request)
        return dict(request.headers.items())

    # --- authentication ----------------------------------------------------------------------

    def test_unsigned_request_is_missing_authentication_token(self):
        c = self.server.client(signature_version=botocore.UNSIGNED)
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            c.list_state_machines()
        self.assertEqual(error_of(caught),
                         ("MissingAuthenticationTokenException",
                          "Request is missing Authentication Token"))
        status, headers, _ = self.raw_post({"X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
        self.assertEqual(status, 400)
        self.assertEqual(headers["x-amzn-ErrorType"], "MissingAuthenticationTokenException")
        # Health checks need no signature.
        with urllib.request.urlopen(self.server.endpoint + "/healthz", timeout=10) as r:
            self.assertEqual(r.status, 200)

    def test_wrong_secret_is_invalid_signature(self):
        c = self.server.client(secret_access_key="wrong" + self.server.secret_access_key[5:])
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            c.list_state_machines()
        code, message = error_of(caught)
        self.assertEqual(code, "InvalidSignatureException")
        self.assertIn("The request signature we calculated does not match", message)

    def test_unknown_access_key_is_unrecognized_client(self):
        c = self.server.client(access_key_id="AKIAUNKNOWNKEY000000", secret_access_key="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            c.list_state_machines()
        self.assertEqual(error_of(caught),
                         ("UnrecognizedClientException",
                          "The security token included in the request is invalid."))

    def test_stale_date_is_signature_expired(self):
        stale = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
        status, _, body = self.raw_post(self.signed_headers(when=stale))
        self.assertEqual(status, 400)
        self.assertTrue(body["__type"].endswith("InvalidSignatureException"), body)
        self.assertTrue(body["message"].startswith("Signature expired:"), body)
        # The same request signed now passes; signed for another service it does not.
        status, _, body = self.raw_post(self.signed_headers())
        self.assertEqual(status, 200, body)
        status, _, body = self.raw_post(self.signed_headers(service="scheduler"))
        self.assertEqual(status, 400)
        self.assertTrue(body["__type"].endswith("InvalidSignatureException"), body)

    def test_the_cli_needs_credentials_and_reads_them_from_the_data_directory(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(MONGOC_DISABLE_SHM="1", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        p = self.tactus("state-machines", "list", env=env, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("MissingAuthenticationTokenException", p.stderr)
        self.assertIn("--data", p.stderr)
        self.tactus("state-machines", "list", "--data", self.server.data, env=env)
        self.tactus("state-machines", "list", env={**env, "TACTUS_DATA": self.server.data})

    # --- files and secrets -------------------------------------------------------------------

    def test_credentials_and_master_key_are_0600(self):
        for name in ("admin-credentials", "master.key"):
            mode = stat.S_IMODE(os.stat(os.path.join(self.server.data, name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        with open(os.path.join(self.server.data, "admin-credentials")) as f:
            text = f.read()
        self.assertTrue(text.startswith("[default]\naws_access_key_id = AKIA"), text)
        self.assertIn(f"region = {REGION}", text)

    def test_no_secret_is_stored_in_clear(self):
        key, _ = self.new_user(self.unique("keyholder"), {})
        definition = {"StartAt": "Scan", "States": {"Scan": {
            "Type": "Task", "Resource": "arn:tactus:states:::mongodb:find", "End": True,
            "Parameters": {"Database": "tactus", "Collection": "iam_access_keys"}}}}
        out = self.run_ok(self.create_machine(definition), {})
        text = json.dumps(out)
        self.assertIn(key["AccessKeyId"], text)
        self.assertIn(self.server.access_key_id, text)
        self.assertIn("AES-256-GCM", text)
        self.assertNotIn(key["SecretAccessKey"], text)
        self.assertNotIn(self.server.secret_access_key, text)

    # --- authorization -----------------------------------------------------------------------

    def test_a_user_allowed_on_one_state_machine_only(self):
        allowed = self.create_machine(PASS)
        other = self.create_machine(PASS)
        bob = self.unique("bob")
        bob_arn = f"arn:aws:iam::{ACCOUNT}:user/{bob}"
        _, sfn = self.new_user(bob, {"start-one": {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "StartOne", "Effect": "Allow",
                           "Action": "states:StartExecution", "Resource": allowed}]}})
        execution = sfn.start_execution(stateMachineArn=allowed)["executionArn"]
        self.assertEqual(self.wait_done(execution)["status"], "SUCCEEDED")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sfn.start_execution(stateMachineArn=other)
        self.assertEqual(error_of(caught), (
            "AccessDeniedException",
            f"User: {bob_arn} is not authorized to perform: states:StartExecution on resource: "
            f"{other} because no identity-based policy allows the states:StartExecution action"))
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # Any other action is denied too, on its own resource.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sfn.describe_execution(executionArn=execution)
        self.assertIn(f"states:DescribeExecution on resource: {execution}", error_of(caught)[1])
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sfn.list_state_machines()
        self.assertIn("states:ListStateMachines on resource: *", error_of(caught)[1])
        # REST routes: 403 as Scheduler answers.
        scheduler = self.server.boto3_client("scheduler", access_key_id=sfn._request_signer
                                             ._credentials.access_key,
                                             secret_access_key=sfn._request_signer
                                             ._credentials.secret_key)
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            scheduler.get_schedule(Name="nightly")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertIn(
            f"scheduler:GetSchedule on resource: arn:aws:scheduler:{REGION}:{ACCOUNT}:"
            "schedule/default/nightly", error_of(caught)[1])

        # An explicit Deny (here from a group) wins over the Allow.
        group = self.unique("frozen")
        self.tactus("iam", "create-group", group)
        self.tactus("iam", "put-group-policy", group, "freeze", "--document", json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "Freeze", "Effect": "Deny", "Action": "states:Start*",
                           "Resource": MACHINE_PREFIX + "*"}]}))
        self.tactus("iam", "add-user-to-group", group, bob)
        deadline = time.monotonic() + 5  # decisions are cached for up to 1 s
        while True:
            try:
                sfn.start_execution(stateMachineArn=allowed)
            except botocore.exceptions.ClientError as e:
                code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
                break
            self.assertLess(time.monotonic(), deadline, "the Deny never took effect")
            time.sleep(0.2)
        self.assertEqual(code, "AccessDeniedException")
        self.assertEqual(message,
                         f"User: {bob_arn} is not authorized to perform: states:StartExecution on "
                         f"resource: {allowed} with an explicit deny in an identity-based policy")

        # The audit trail has bob's calls with the decision and the deciding statement.
        definition = {"StartAt": "Find", "States": {"Find": {
            "Type": "Task", "Resource": "arn:tactus:states:::mongodb:find", "End": True,
            "Parameters": {"Database": "tactus_audit", "Collection": "records",
                           # Format version 2: the fields are JSON text (docs/auth.md).
                           "Filter": {"kind": "api", "fields": {"$regex": re.escape(bob_arn)}},
                           "Options": {"sort": {"_id": 1}, "projection": {"fields": 1}}}}}}
        reader = self.create_machine(definition)
        deadline = time.monotonic() + 20
        while True:
            records = [json.loads(d["fields"])
                       for d in self.run_ok(reader, {})["Documents"]]
            decisions = [(r["decision"], r["statement"], r["resource"]) for r in records
                         if r["principal"] == bob_arn and r["action"] == "states:StartExecution"]
            if len(decisions) >= 3:
                break
            self.assertLess(time.monotonic(), deadline, decisions)
            time.sleep(0.3)
        self.assertIn(("Allow", f"user/{bob}/start-one#StartOne", allowed), decisions)
        self.assertIn(("ImplicitDeny", "", other), decisions)
        self.assertIn(("ExplicitDeny", f"group/{group}/freeze#Freeze", allowed), decisions)

    def test_iam_commands(self):
        role = self.unique("runner")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        out = json.loads(self.tactus("iam", "create-role", role, "--trust-policy", json.dumps(trust),
                                     "--max-session-duration", "7200").stdout)
        self.assertEqual(out["Role"]["Arn"], f"arn:aws:iam::{ACCOUNT}:role/{role}")
        self.assertEqual(out["Role"]["MaxSessionDuration"], 7200)
        self.tactus("iam", "put-role-policy", role, "mongo", "--document", json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "mongodb:find",
                                                   "Resource": "*"}]}))
        got = json.loads(self.tactus("iam", "get-role", role).stdout)["Role"]
        self.assertEqual(got["AssumeRolePolicyDocument"], trust)
        self.assertEqual(got["Policies"], ["mongo"])
        roles = json.loads(self.tactus("iam", "list-roles").stdout)["Roles"]
        self.assertIn(role, [r["RoleName"] for r in roles])
        # Lists come in pages, as IAM's: MaxItems, Marker, IsTruncated (the CLI reads them all).
        self.tactus("iam", "create-role", self.unique("runner2"), "--trust-policy",
                    json.dumps(trust))
        everyone = sorted(r["RoleName"]
                          for r in json.loads(self.tactus("iam", "list-roles").stdout)["Roles"])
        paged, marker = [], ""
        while True:
            status, page = self.server.rest(
                "GET", "/v1/iam/roles?MaxItems=1" + (f"&Marker={urllib.parse.quote(marker)}" if marker else ""))
            self.assertEqual(status, 200, page)
            self.assertLessEqual(len(page["Roles"]), 1)
            paged += [r["RoleName"] for r in page["Roles"]]
            if not page["IsTruncated"]:
                self.assertNotIn("Marker", page)
                break
            marker = page["Marker"]
        self.assertEqual(paged, everyone)
        status, answer = self.server.rest("GET", "/v1/iam/roles?MaxItems=0")
        self.assertEqual(status, 400)
        self.assertIn("MaxItems", answer["Message"])
        # A malformed policy is refused with the path at fault.
        user = self.unique("carol")
        self.tactus("iam", "create-user", user)
        p = self.tactus("iam", "put-user-policy", user, "bad", "--document",
                        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                        '"Action": "states:*"}]}', check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("MalformedPolicyDocument: Statement[0]", p.stderr)
        # A user with an access key cannot be deleted before the key.
        key = json.loads(self.tactus("iam", "create-access-key", user).stdout)["AccessKey"]
        p = self.tactus("iam", "delete-user", user, check=False)
        self.assertIn("DeleteConflict", p.stderr)
        keys = json.loads(self.tactus("iam", "list-access-keys", user).stdout)
        self.assertNotIn("SecretAccessKey", json.dumps(keys))
        self.tactus("iam", "delete-access-key", user, key["AccessKeyId"])
        self.tactus("iam", "delete-user", user)
        users = json.loads(self.tactus("iam", "list-users").stdout)["Users"]
        self.assertNotIn(user, [u["UserName"] for u in users])
        self.assertIn("admin", [u["UserName"] for u in users])

    @unittest.skipUnless(shutil.which("aws"), "the AWS CLI is not installed")
    def test_awscli_with_the_admin_credentials(self):
        env = self.server.env(AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.server.data,
                                                                       "admin-credentials"))
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        arn = self.create_machine(PASS)
        p = subprocess.run(["aws", "stepfunctions", "--endpoint-url", self.server.endpoint,
                            "--output", "json", "start-execution", "--state-machine-arn", arn],
                           capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("executionArn", json.loads(p.stdout))


class RestartTest(unittest.TestCase):

    def test_later_starts_reuse_the_admin(self):
        with tempfile.TemporaryDirectory(prefix="tactus-auth-") as tmp:
            data = os.path.join(tmp, "data")
            server = Server(data=data)
            first = (server.access_key_id, server.secret_access_key)
            self.assertEqual(server.stop(), 0)
            server = Server(data=data)
            try:
                self.assertEqual((server.access_key_id, server.secret_access_key), first)
                self.assertEqual(server.client().list_state_machines()["stateMachines"], [])
            finally:
                self.assertEqual(server.stop(), 0)

    def test_insecure_no_auth_accepts_unsigned_calls_and_warns(self):
        server = Server(extra_args=["--insecure-no-auth"], require_credentials=False)
        try:
            c = server.client(signature_version=botocore.UNSIGNED)
            self.assertEqual(c.list_state_machines()["stateMachines"], [])
            self.assertIn("WARNING: --insecure-no-auth", server.log())
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
