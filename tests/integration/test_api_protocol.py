"""The AWS JSON 1.0 framing of src/api through real clients: boto3 and the AWS CLI.

Runs aws_json_echo_server (tests/integration/aws_json_echo_server.cc), which uses the real
HttpServer and protocol code with canned answers. Run by CTest with ECHO_SERVER pointing at it.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import unittest

import boto3
import botocore
from botocore.config import Config

SERVER = os.environ.get("ECHO_SERVER", "build/debug/tests/aws_json_echo_server")
# Small, so the body limit is cheap to exceed.
MAX_BODY_BYTES = 65536
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "us-east-1",
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SM_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Missing"

server = None
endpoint = None


def setUpModule():
    global server, endpoint
    server = subprocess.Popen([SERVER, str(MAX_BODY_BYTES)], stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())
    endpoint = f"http://127.0.0.1:{port}"


def tearDownModule():
    server.terminate()
    server.wait(timeout=30)


def client(config=None, env=None):
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1")
    base = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    return session.client("stepfunctions", endpoint_url=endpoint,
                          config=base.merge(config) if config else base)


def raw_post(target, body, headers=None):
    """POSTs with a made-up SigV4 Authorization header (the echo server checks only its form)."""
    host, port = endpoint[len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    all_headers = {"Content-Type": "application/x-amz-json-1.0",
                   "Authorization": "AWS4-HMAC-SHA256 Credential=x/y, Signature=z"}
    if target is not None:
        all_headers["X-Amz-Target"] = target
    all_headers.update(headers or {})
    conn.request("POST", "/", body=body, headers=all_headers)
    response = conn.getresponse()
    result = (response.status, dict(response.getheaders()), response.read())
    conn.close()
    return result


class Boto3Test(unittest.TestCase):
    def test_signed_request_with_fake_credentials_parses_the_list(self):
        response = client().list_state_machines()
        self.assertEqual(response["stateMachines"], [])
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertRegex(response["ResponseMetadata"]["RequestId"], UUID)

    def test_modeled_exception_class(self):
        c = client()
        with self.assertRaises(c.exceptions.StateMachineDoesNotExist) as caught:
            c.describe_state_machine(stateMachineArn=SM_ARN)
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], "StateMachineDoesNotExist")
        self.assertEqual(error["Error"]["Message"], f"State Machine Does Not Exist: '{SM_ARN}'")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertRegex(error["ResponseMetadata"]["RequestId"], UUID)

    def test_invalid_arn_is_modeled(self):
        c = client()
        with self.assertRaises(c.exceptions.InvalidArn) as caught:
            c.describe_state_machine(
                stateMachineArn="arn:aws:states:us-east-1:123456789012:execution:m:e")
        self.assertEqual(caught.exception.response["Error"]["Message"],
                         "Invalid Arn: 'Resource type not valid in this context: execution'")

    def test_validation_exception_is_modeled(self):
        c = client(Config(parameter_validation=False))
        with self.assertRaises(c.exceptions.ValidationException) as caught:
            c.describe_state_machine()
        self.assertEqual(
            caught.exception.response["Error"]["Message"],
            "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy "
            "constraint: Member must not be null")

    def test_unsigned_request_is_refused(self):
        c = client(Config(signature_version=botocore.UNSIGNED))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            c.list_state_machines()
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], "MissingAuthenticationToken")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_body_over_the_limit_is_413_with_a_readable_error(self):
        c = client(Config(parameter_validation=False))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            c.describe_state_machine(stateMachineArn="a" * (MAX_BODY_BYTES + 1))
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], "RequestEntityTooLargeException")
        self.assertIn(str(MAX_BODY_BYTES), error["Error"]["Message"])
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 413)


class SyncPrefixTest(unittest.TestCase):
    """botocore sends StartSyncExecution to "sync-" + the endpoint's host, even with endpoint_url.
    docs/api.md tells users how to turn that off; these tests keep that advice true."""

    def check_reached_server(self, response):
        self.assertEqual(response["status"], "SUCCEEDED")
        self.assertEqual(json.loads(response["output"])["host"], endpoint[len("http://"):])

    def test_default_client_targets_sync_host(self):
        try:
            socket.getaddrinfo("sync-127.0.0.1", 80)
            self.skipTest("this machine resolves sync-127.0.0.1")
        except socket.gaierror:
            pass
        with self.assertRaises(botocore.exceptions.EndpointConnectionError) as caught:
            client().start_sync_execution(stateMachineArn=SM_ARN)
        self.assertIn("sync-127.0.0.1", str(caught.exception))

    def test_inject_host_prefix_false(self):
        self.check_reached_server(client(Config(inject_host_prefix=False)).start_sync_execution(
            stateMachineArn=SM_ARN))

    def test_disable_host_prefix_injection_environment_variable(self):
        os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
        try:
            c = client()
        finally:
            del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]
        self.check_reached_server(c.start_sync_execution(stateMachineArn=SM_ARN))


class RawProtocolTest(unittest.TestCase):
    def test_unknown_operation(self):
        status, headers, body = raw_post("AWSStepFunctions.FlyToTheMoon", b"{}")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["__type"],
                         "com.amazon.coral.service#UnknownOperationException")
        self.assertRegex(headers["x-amzn-RequestId"], UUID)

    def test_missing_target(self):
        status, _, body = raw_post(None, b"{}")
        self.assertEqual(status, 400)
        self.assertIn("X-Amz-Target", json.loads(body)["message"])

    def test_bad_json_is_a_serialization_exception(self):
        status, _, body = raw_post("AWSStepFunctions.ListStateMachines", b"{oops")
        self.assertEqual(status, 400)
        error = json.loads(body)
        self.assertTrue(error["__type"].endswith("#SerializationException"))
        self.assertIn("line 1", error["message"])

    def test_empty_body_is_an_empty_object(self):
        status, headers, body = raw_post("AWSStepFunctions.ListStateMachines", b"")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.0")
        self.assertEqual(json.loads(body), {"stateMachines": []})


class AwsCliTest(unittest.TestCase):
    def aws(self, *args, extra_env=None):
        env = {**os.environ, **FAKE_CREDENTIALS, **(extra_env or {})}
        env.pop("AWS_PROFILE", None)
        return subprocess.run(["aws", "stepfunctions", *args, "--endpoint-url", endpoint,
                               "--output", "json"],
                              capture_output=True, text=True, env=env, timeout=120)

    def test_list_state_machines(self):
        r = self.aws("list-state-machines")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"stateMachines": []})

    def test_modeled_error(self):
        r = self.aws("describe-state-machine", "--state-machine-arn", SM_ARN)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(StateMachineDoesNotExist)", r.stderr)
        self.assertIn(f"State Machine Does Not Exist: '{SM_ARN}'", r.stderr)

    def test_start_sync_execution_with_prefix_injection_disabled(self):
        r = self.aws("start-sync-execution", "--state-machine-arn", SM_ARN,
                     extra_env={"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"], "SUCCEEDED")


if __name__ == "__main__":
    unittest.main()
