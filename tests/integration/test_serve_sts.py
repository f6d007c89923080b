"""The STS endpoint and OIDC bearer tokens of `tactus serve` (docs/auth.md, "STS" and "OIDC bearer
tokens") through real clients: boto3's sts and stepfunctions clients and the AWS CLI.

A local test issuer (an RSA key made here, its JWKS served on loopback, so the server fetches
it over HTTP with libcurl) signs tokens; a role trusts that issuer for one subject and audience
and may list state machines and start one. AssumeRoleWithWebIdentity gives short-lived
credentials that work end to end and are denied elsewhere with the assumed-role ARN; their
expiry is real (the server's clock against the stored expiry, moved into the past through the
store); AssumeRole by the admin with the role's maximum session duration and a session policy;
token attacks at the endpoint; bearer tokens on the JSON API mapped to a role by a group.

Run by CTest with TACTUS_BIN pointing at the built binary (python3 with boto3 and cryptography;
awscli optional).
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import botocore
import botocore.config
import botocore.exceptions
import boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from serve_util import ACCOUNT, REGION, TACTUS, ServeTestCase, Server, loopback_http

ISSUER = "https://issuer.tactus.test/realms/ci"
PROVIDER = "issuer.tactus.test/realms/ci"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}"
AUDIENCE = "tactus-console"
KID = "test-key-1"
ROLE = "web-operator"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
# The execution role of the admin's inspection workflows: Tactus's own databases open only to a
# statement that names them.
READER = "sts-test-reader"
READER_ARN = f"arn:aws:iam::{ACCOUNT}:role/{READER}"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TestIssuer:
    """An RSA signing key and its JWKS, served over HTTP on 127.0.0.1."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        jwks = {"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
                          "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                          "e": b64url(numbers.e.to_bytes(3, "big"))}]}
        body = json.dumps(jwks).encode()
        self.fetches = 0

        def fetched(handler, _):
            self.fetches += 1

        self.httpd, base = loopback_http(fetched, body=body)
        self.url = base + "/jwks.json"

    def public_pem(self):
        return self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def token(self, sub="alice", aud=AUDIENCE, iss=ISSUER, lifetime=300, groups=None,
              header=None, **claims):
        now = int(time.time())
        payload = {"iss": iss, "sub": sub, "aud": aud, "iat": now, "exp": now + lifetime,
                   **claims}
        if groups is not None:
            payload["groups"] = groups
        head = header or {"alg": "RS256", "typ": "JWT", "kid": KID}
        signing_input = (b64url(json.dumps(head).encode()) + "." +
                         b64url(json.dumps(payload).encode())).encode()
        if head.get("alg") == "none":
            return signing_input.decode() + "."
        if head.get("alg") == "HS256":
            signature = hmac.new(self.public_pem(), signing_input, hashlib.sha256).digest()
        else:
            signature = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + b64url(signature)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def error_of(caught):
    e = caught.exception.response
    return e["Error"]["Code"], e["Error"]["Message"]


class StsTest(ServeTestCase):

    @classmethod
    def setUpClass(cls):
        cls.issuer = TestIssuer()
        cls.config_dir = tempfile.TemporaryDirectory(prefix="tactus-oidc-")
        config = os.path.join(cls.config_dir.name, "oidc.json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump({"issuers": [{
                "issuer": ISSUER, "audience": AUDIENCE, "jwks_url": cls.issuer.url,
                "role_mappings": [{"claim": "groups", "value": "operators",
                                   "role_arn": ROLE_ARN}]}]}, f)
        cls.server = Server(extra_args=["--oidc-config", config])
        cls.sfn = cls.server.client()
        cls.allowed = cls.sfn.create_state_machine(
            name=ServeTestCase.unique("allowed"), definition=json.dumps(PASS),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/tactus-test")["stateMachineArn"]
        cls.other = cls.sfn.create_state_machine(
            name=ServeTestCase.unique("other"), definition=json.dumps(PASS),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/tactus-test")["stateMachineArn"]
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{PROVIDER}:aud": AUDIENCE,
                                           f"{PROVIDER}:sub": "alice"}}}]}
        cls.tactus_cli("iam", "create-role", ROLE, "--trust-policy", json.dumps(trust))
        cls.tactus_cli("iam", "create-role", READER, "--trust-policy", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))
        cls.tactus_cli("iam", "put-role-policy", READER, "own-databases", "--document", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["mongodb:find", "mongodb:update"],
                "Resource": ["arn:tactus:mongodb:::tactus/iam_sessions",
                             "arn:tactus:mongodb:::tactus_audit/*"]}]}))
        cls.tactus_cli("iam", "put-role-policy", ROLE, "operate", "--document", json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "List", "Effect": "Allow", "Action": "states:ListStateMachines",
                 "Resource": "*"},
                {"Sid": "StartOne", "Effect": "Allow", "Action": "states:StartExecution",
                 "Resource": cls.allowed}]}))

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.issuer.stop()
            cls.config_dir.cleanup()

    @classmethod
    def tactus_cli(cls, *args):
        p = subprocess.run([TACTUS, *args, "--endpoint", cls.server.endpoint],
                           capture_output=True, text=True, timeout=60,
                           env=cls.server.env(MONGOC_DISABLE_SHM="1"))
        if p.returncode != 0:
            raise AssertionError(f"tactus {' '.join(args)}: {p.stdout}{p.stderr}")
        return p.stdout

    # --- helpers -------------------------------------------------------------------------

    def sts(self, **credentials):
        """An STS client: unsigned without credentials (AssumeRoleWithWebIdentity needs none)."""
        config = botocore.config.Config(retries={"max_attempts": 0})
        if not credentials:
            config = config.merge(botocore.config.Config(signature_version=botocore.UNSIGNED))
        return boto3.client("sts", endpoint_url=self.server.endpoint, region_name=REGION,
                            config=config, **credentials)

    def web_identity(self, token=None, duration=900, session="alice-session", **kwargs):
        return self.sts().assume_role_with_web_identity(
            RoleArn=ROLE_ARN, RoleSessionName=session,
            WebIdentityToken=token or self.issuer.token(), DurationSeconds=duration, **kwargs)

    @staticmethod
    def session_kwargs(credentials):
        return {"aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"]}

    def sfn_with(self, credentials):
        return boto3.client("stepfunctions", endpoint_url=self.server.endpoint,
                            region_name=REGION,
                            config=botocore.config.Config(retries={"max_attempts": 0}),
                            **self.session_kwargs(credentials))

    def admin_run(self, definition):
        """Runs `definition` as READER (which may read the audit trail and the sessions)."""
        arn = self.sfn.create_state_machine(name=self.unique("inspect"),
                                            definition=json.dumps(definition),
                                            roleArn=READER_ARN)["stateMachineArn"]
        return self.run_ok(arn, {})

    def admin_find(self, database, collection, filter):
        return self.admin_run({"StartAt": "Find", "States": {"Find": {
            "Type": "Task", "Resource": "arn:tactus:states:::mongodb:find", "End": True,
            "Parameters": {"Database": database, "Collection": collection,
                           "Filter": filter}}}})["Documents"]

    def sts_raw(self, body, headers=None):
        request = urllib.request.Request(
            self.server.endpoint + "/", data=body.encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                     **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def bearer(self, token, action="ListStateMachines", params=None):
        request = urllib.request.Request(
            self.server.endpoint + "/", data=json.dumps(params or {}).encode(), method="POST",
            headers={"Authorization": "Bearer " + token,
                     "X-Amz-Target": "AWSStepFunctions." + action,
                     "Content-Type": "application/x-amz-json-1.0"})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.headers, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read())

    # --- AssumeRoleWithWebIdentity -------------------------------------------------------

    def test_web_identity_credentials_work_end_to_end(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        answer = self.web_identity()
        credentials = answer["Credentials"]
        session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/alice-session"
        self.assertTrue(credentials["AccessKeyId"].startswith("ASIA"), credentials)
        self.assertGreaterEqual(len(credentials["SessionToken"]), 44)
        lifetime = (credentials["Expiration"] - before).total_seconds()
        self.assertTrue(880 <= lifetime <= 920, lifetime)
        self.assertEqual(answer["AssumedRoleUser"]["Arn"], session_arn)
        self.assertTrue(answer["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA"))
        self.assertTrue(answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice-session"))
        self.assertEqual(answer["SubjectFromWebIdentityToken"], "alice")
        self.assertEqual(answer["Provider"], ISSUER)
        self.assertEqual(answer["Audience"], AUDIENCE)

        sfn = self.sfn_with(credentials)
        self.assertIn(self.allowed, [m["stateMachineArn"]
                                     for m in sfn.list_state_machines()["stateMachines"]])
        execution = sfn.start_execution(stateMachineArn=self.allowed)["executionArn"]
        self.assertEqual(self.wait_done(execution)["status"], "SUCCEEDED")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sfn.start_execution(stateMachineArn=self.other)
        self.assertEqual(error_of(caught), (
            "AccessDeniedException",
            f"User: {session_arn} is not authorized to perform: states:StartExecution on "
            f"resource: {self.other} because no identity-based policy allows the "
            "states:StartExecution action"))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sfn.describe_execution(executionArn=execution)
        self.assertIn(f"User: {session_arn} is not authorized", error_of(caught)[1])

        identity = self.sts(**self.session_kwargs(credentials)).get_caller_identity()
        self.assertEqual(identity["Arn"], session_arn)
        self.assertEqual(identity["Account"], ACCOUNT)
        self.assertEqual(identity["UserId"], answer["AssumedRoleUser"]["AssumedRoleId"])

        # The session token is required, and must be the session's.
        for token in (None, credentials["SessionToken"][:-4] + "AAAA"):
            kwargs = {"aws_access_key_id": credentials["AccessKeyId"],
                      "aws_secret_access_key": credentials["SecretAccessKey"]}
            if token:
                kwargs["aws_session_token"] = token
            c = boto3.client("stepfunctions", endpoint_url=self.server.endpoint,
                             region_name=REGION, **kwargs)
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                c.list_state_machines()
            self.assertEqual(error_of(caught),
                             ("UnrecognizedClientException",
                              "The security token included in the request is invalid."))

        # The session's calls are audited under its ARN, with the role's deciding statement.
        deadline = time.monotonic() + 20
        while True:
            documents = self.admin_find("tactus_audit", "records", {"$or": [
                {"principal": session_arn},  # format version 1
                {"kind": "api", "fields": {"$regex": re.escape(session_arn)}}]})
            records = [json.loads(d["canonical"]) if "canonical" in d else json.loads(d["fields"])
                       for d in documents]
            decisions = {(r["decision"], r["statement"], r["resource"]) for r in records
                         if r.get("principal") == session_arn
                         and r.get("action") == "states:StartExecution"}
            if len(decisions) >= 2:
                break
            self.assertLess(time.monotonic(), deadline, decisions)
            time.sleep(0.3)
        self.assertIn(("Allow", f"role/{ROLE}/operate#StartOne", self.allowed), decisions)
        self.assertIn(("ImplicitDeny", "", self.other), decisions)
        # The unsigned AssumeRoleWithWebIdentity is audited under the token's issuer and subject.
        caller = f"web-identity:{ISSUER}#alice"
        while True:
            documents = self.admin_find("tactus_audit", "records", {
                "kind": "api", "fields": {"$regex": re.escape(caller)}})
            actions = {json.loads(d["fields"])["action"] for d in documents}
            if "sts:AssumeRoleWithWebIdentity" in actions:
                break
            self.assertLess(time.monotonic(), deadline, actions)
            time.sleep(0.3)

        # The stored session holds neither the secret nor the token in clear.
        stored = self.admin_find("tactus", "iam_sessions", {"_id": credentials["AccessKeyId"]})
        text = json.dumps(stored)
        self.assertEqual(len(stored), 1)
        self.assertNotIn(credentials["SecretAccessKey"], text)
        self.assertNotIn(credentials["SessionToken"], text)
        self.assertEqual(stored[0]["tokenSha256"],
                         hashlib.sha256(credentials["SessionToken"].encode()).hexdigest())

    @unittest.skipUnless(shutil.which("aws"), "the AWS CLI is not installed")
    def test_awscli_with_session_credentials(self):
        credentials = self.web_identity()["Credentials"]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
               "AWS_SESSION_TOKEN": credentials["SessionToken"], "AWS_DEFAULT_REGION": REGION,
               "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}

        def aws(*args):
            return subprocess.run(["aws", *args, "--endpoint-url", self.server.endpoint,
                                   "--output", "json"],
                                  capture_output=True, text=True, timeout=60, env=env)

        p = aws("stepfunctions", "start-execution", "--state-machine-arn", self.allowed)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("executionArn", json.loads(p.stdout))
        p = aws("stepfunctions", "start-execution", "--state-machine-arn", self.other)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("AccessDeniedException", p.stderr)
        self.assertIn(f"assumed-role/{ROLE}/alice-session", p.stderr)
        p = aws("sts", "get-caller-identity")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["Arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/alice-session")

    def test_session_expiry_is_real(self):
        credentials = self.web_identity()["Credentials"]
        sfn = self.sfn_with(credentials)
        sfn.list_state_machines()
        # Move the stored expiry into the past; the server compares it with its own clock.
        past = {"$date": "2020-01-01T00:00:00Z"}
        definition = {"StartAt": "Expire", "States": {"Expire": {
            "Type": "Task", "Resource": "arn:tactus:states:::mongodb:updateOne", "End": True,
            "Parameters": {"Database": "tactus", "Collection": "iam_sessions",
                           "Filter": {"_id": credentials["AccessKeyId"]},
                           "Update": {"$set": {"expires": past}}}}}}
        self.admin_run(definition)
        deadline = time.monotonic() + 10  # sessions are cached for up to 1 s
        while True:
            try:
                sfn.list_state_machines()
            except botocore.exceptions.ClientError as e:
                code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
                break
            self.assertLess(time.monotonic(), deadline, "the session never expired")
            time.sleep(0.2)
        self.assertEqual((code, message), ("ExpiredTokenException",
                                           "The security token included in the request is "
                                           "expired"))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.sts(**self.session_kwargs(credentials)).get_caller_identity()
        self.assertEqual(error_of(caught), ("ExpiredToken", "The security token included in "
                                                            "the request is expired"))

    def test_trust_policy_and_duration(self):
        # The trust policy allows alice only.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.web_identity(self.issuer.token(sub="mallory"))
        self.assertEqual(error_of(caught),
                         ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"))
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        # The role's maximum session duration (1 h by default).
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.web_identity(duration=7200)
        self.assertEqual(error_of(caught), (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))
        # A role that does not exist is not revealed.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.sts().assume_role_with_web_identity(
                RoleArn=f"arn:aws:iam::{ACCOUNT}:role/nope", RoleSessionName="s1",
                WebIdentityToken=self.issuer.token())
        self.assertEqual(error_of(caught)[0], "AccessDenied")

    def test_token_attacks(self):
        cases = {
            "alg none": (self.issuer.token(header={"alg": "none", "kid": KID}),
                         "InvalidIdentityToken"),
            "HS256 with the public key": (self.issuer.token(header={"alg": "HS256", "kid": KID}),
                                          "InvalidIdentityToken"),
            "expired": (self.issuer.token(lifetime=-600), "ExpiredTokenException"),
            "wrong aud": (self.issuer.token(aud="someone-else"), "InvalidIdentityToken"),
            "wrong iss": (self.issuer.token(iss="https://evil.test"), "InvalidIdentityToken"),
            "unknown kid": (self.issuer.token(header={"alg": "RS256", "kid": "other"}),
                            "InvalidIdentityToken"),
            "not a JWT": ("not-a-token", "InvalidIdentityToken"),
            "groups claim a string": (self.issuer.token(groups="operators"),
                                      "InvalidIdentityToken"),
        }
        good = self.issuer.token()
        head, payload, signature = good.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = "alice-admin"
        cases["tampered payload"] = (
            head + "." + b64url(json.dumps(claims).encode()) + "." + signature,
            "InvalidIdentityToken")
        for name, (token, expected) in cases.items():
            with self.subTest(name):
                with self.assertRaises(botocore.exceptions.ClientError) as caught:
                    self.web_identity(token)
                self.assertEqual(error_of(caught)[0], expected, error_of(caught))
                self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                                 400)
        # A flood of made-up kids cannot make the server hammer the issuer (one fetch per 60 s).
        self.web_identity()
        before = self.issuer.fetches
        for i in range(10):
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                self.web_identity(self.issuer.token(header={"alg": "RS256", "kid": f"made-up-{i}"}))
            self.assertEqual(error_of(caught)[0], "InvalidIdentityToken")
        self.assertLessEqual(self.issuer.fetches - before, 1)
        # The XML error in STS's shape.
        status, headers, body = self.sts_raw(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + ROLE_ARN +
            "&RoleSessionName=s1&WebIdentityToken=x.y.z")
        self.assertEqual(status, 400)
        self.assertTrue(headers["Content-Type"].startswith("text/xml"), headers)
        self.assertIn('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">', body)
        self.assertIn("<Type>Sender</Type>", body)
        self.assertIn("<Code>InvalidIdentityToken</Code>", body)
        self.assertIn("<RequestId>", body)
        # An unknown action, and an unsigned call of a signed one.
        status, _, body = self.sts_raw("Action=GetFederationToken&Version=2011-06-15")
        self.assertIn("<Code>MissingAuthenticationToken</Code>", body)
        self.assertEqual(status, 403)

    # --- AssumeRole ----------------------------------------------------------------------

    def test_assume_role_by_the_admin(self):
        admin = self.sts(aws_access_key_id=self.server.access_key_id,
                         aws_secret_access_key=self.server.secret_access_key)
        admin_arn = f"arn:aws:iam::{ACCOUNT}:user/admin"
        me = admin.get_caller_identity()
        self.assertEqual(me["Arn"], admin_arn)
        self.assertTrue(me["UserId"].startswith("AIDA"), me)
        role = self.unique("deployer")
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
        self.tactus_cli("iam", "create-role", role, "--max-session-duration", "7200",
                        "--trust-policy", json.dumps({
                            "Version": "2012-10-17", "Statement": [{
                                "Effect": "Allow", "Principal": {"AWS": admin_arn},
                                "Action": "sts:AssumeRole"}]}))
        self.tactus_cli("iam", "put-role-policy", role, "all-states", "--document", json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "states:*",
                                                   "Resource": "*"}]}))
        answer = admin.assume_role(RoleArn=role_arn, RoleSessionName="deploy",
                                   DurationSeconds=7200)
        self.assertEqual(answer["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/deploy")
        sfn = self.sfn_with(answer["Credentials"])
        sfn.start_execution(stateMachineArn=self.other)
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            admin.assume_role(RoleArn=role_arn, RoleSessionName="deploy", DurationSeconds=7201)
        self.assertEqual(error_of(caught), (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))

        # A session policy narrows the role's permissions to their intersection.
        narrow = admin.assume_role(
            RoleArn=role_arn, RoleSessionName="narrow", Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "states:ListStateMachines", "Resource": "*"}]}))
        self.assertIn("PackedPolicySize", narrow)
        sfn = self.sfn_with(narrow["Credentials"])
        sfn.list_state_machines()
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sfn.start_execution(stateMachineArn=self.other)
        self.assertEqual(error_of(caught)[1],
                         f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/narrow is not "
                         f"authorized to perform: states:StartExecution on resource: "
                         f"{self.other} because no session policy allows the "
                         "states:StartExecution action")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            admin.assume_role(RoleArn=role_arn, RoleSessionName="bad", Policy='{"Statement": 1}')
        self.assertEqual(error_of(caught)[0], "MalformedPolicyDocument")

        # A role whose trust policy does not name the caller, and one that does not exist.
        for arn in (ROLE_ARN, f"arn:aws:iam::{ACCOUNT}:role/nope"):
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                admin.assume_role(RoleArn=arn, RoleSessionName="x1")
            self.assertEqual(error_of(caught), (
                "AccessDenied",
                f"User: {admin_arn} is not authorized to perform: sts:AssumeRole on resource: "
                f"{arn} because no identity-based policy allows the sts:AssumeRole action"))

    def test_a_trust_policy_naming_the_caller_needs_no_identity_policy(self):
        # bob has no policy at all. As in AWS, within the account a role whose trust policy
        # names bob's ARN lets him assume it; one that trusts the account needs his own Allow.
        bob = self.unique("bob")
        bob_arn = f"arn:aws:iam::{ACCOUNT}:user/{bob}"
        self.tactus_cli("iam", "create-user", bob)
        key = json.loads(self.tactus_cli("iam", "create-access-key", bob))["AccessKey"]
        sts = self.sts(aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
        named, account = self.unique("names-bob"), self.unique("trusts-account")
        for role, principal in ((named, bob_arn), (account, f"arn:aws:iam::{ACCOUNT}:root")):
            self.tactus_cli("iam", "create-role", role, "--trust-policy", json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"AWS": principal},
                    "Action": "sts:AssumeRole"}]}))
        answer = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{named}",
                                 RoleSessionName="b1")
        self.assertEqual(answer["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/{named}/b1")
        arn = f"arn:aws:iam::{ACCOUNT}:role/{account}"
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sts.assume_role(RoleArn=arn, RoleSessionName="b2")
        self.assertEqual(error_of(caught), (
            "AccessDenied",
            f"User: {bob_arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{arn} because no identity-based policy allows the sts:AssumeRole action"))
        # An explicit Deny of his own still wins over the trust policy.
        self.tactus_cli("iam", "put-user-policy", bob, "no-roles", "--document", json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:*",
                                                   "Resource": "*"}]}))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{named}",
                            RoleSessionName="b3")
        self.assertEqual(error_of(caught)[0], "AccessDenied")

    # --- bearer tokens -------------------------------------------------------------------

    def test_bearer_tokens_map_to_a_role(self):
        status, _, body = self.bearer(self.issuer.token(sub="bob@example.com",
                                                        groups=["staff", "operators"]))
        self.assertEqual(status, 200, body)
        self.assertIn(self.allowed, [m["stateMachineArn"] for m in body["stateMachines"]])
        status, _, body = self.bearer(self.issuer.token(sub="bob@example.com", groups=["operators"]),
                                      "StartExecution", {"stateMachineArn": self.other})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"].split("#")[-1], "AccessDeniedException")
        self.assertIn(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/bob@example.com is not "
                      "authorized to perform: states:StartExecution", body["message"])
        # No mapping matches: denied.
        status, _, body = self.bearer(self.issuer.token(groups=["staff"]))
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"].split("#")[-1], "AccessDeniedException")
        self.assertIn("matches no role mapping", body["message"])
        # Bad tokens: 401 with WWW-Authenticate.
        for token, code in ((self.issuer.token(groups=["operators"], lifetime=-600),
                             "ExpiredTokenException"),
                            (self.issuer.token(groups=["operators"],
                                               header={"alg": "none", "kid": KID}),
                             "UnrecognizedClientException"),
                            (self.issuer.token(groups=["operators"] * 300),
                             "UnrecognizedClientException")):
            status, headers, body = self.bearer(token)
            self.assertEqual(status, 401, body)
            self.assertEqual(body["__type"].split("#")[-1], code, body)
            self.assertEqual(headers["WWW-Authenticate"], 'Bearer error="invalid_token"')


if __name__ == "__main__":
    unittest.main()
