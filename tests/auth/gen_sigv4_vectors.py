#!/usr/bin/env python3
"""Generates src/auth/testdata/sigv4_vectors.json: requests signed by botocore (the signer of
boto3 and the AWS CLI), so the C++ SigV4 tests check Tactus against a real client without needing
Python at test time.

Usage (from the repository root): python3 tests/auth/gen_sigv4_vectors.py
Each vector: the request as it goes on the wire (method, target = raw path and query, headers in
order, body), the signing time, the credentials, region and service, and botocore's signature.
Regenerating with the same botocore gives identical output (fixed clock, no randomness).
"""
import datetime
import json
import os
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = ("IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def+ghi="
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

CASES = [
    # name, method, url, headers, body, extra (token / params / service / region / time / query)
    dict(name="json10_start_execution", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.StartExecution")],
         body='{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m",'
              '"input":"{\\"a\\": 1}"}'),
    dict(name="json10_list_state_machines_empty_object", method="POST",
         url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListStateMachines")], body="{}"),
    dict(name="json10_session_token", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.DescribeExecution")],
         body='{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e"}',
         token=TOKEN),
    dict(name="empty_body_get", method="GET", url="http://localhost:8080/", headers=[],
         body=""),
    dict(name="https_default_port_host", method="POST", url="https://states.example.com/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListActivities")], body="{}"),
    dict(name="query_simple_sorted", method="GET",
         url="http://localhost:8080/?b=2&a=1&c=3", headers=[], body=""),
    dict(name="query_repeated_keys", method="GET", url="http://localhost:8080/items",
         params=[("tag", "zeta"), ("tag", "alpha"), ("tag", "mid"), ("a", "1")], headers=[],
         body=""),
    dict(name="query_spaces_and_reserved", method="GET", url="http://localhost:8080/search",
         params=[("q", "hello world"), ("filter", "a+b=c&d"), ("empty", ""),
                 ("tilde~dash-dot.under_", "~-._")], headers=[], body=""),
    dict(name="query_unicode", method="GET", url="http://localhost:8080/search",
         params=[("name", "caf\u00e9 \u65e5\u672c"), ("\u00fcber", "\U0001F600")], headers=[],
         body=""),
    dict(name="query_key_without_value", method="GET",
         url="http://localhost:8080/?flag&a=1", headers=[], body=""),
    dict(name="path_segments_need_encoding", method="GET",
         url="http://localhost:8080/schedules/my%20schedule/a%2Fb", headers=[], body=""),
    dict(name="path_unicode_segment", method="GET",
         url="http://localhost:8080/functions/%C3%A9t%C3%A9/run", headers=[], body=""),
    dict(name="path_dot_segments_and_double_slash", method="GET",
         url="http://localhost:8080/a/./b/../c//d/", headers=[], body=""),
    dict(name="path_reserved_chars", method="PUT",
         url="http://localhost:8080/connections/name:with@chars!*'()", headers=[
             ("Content-Type", "application/json")], body='{"uri":"mongodb://x"}'),
    dict(name="header_values_multiple_spaces", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListExecutions"),
                  ("X-Custom-Spaces", "  a   b    c  "),
                  ("X-Custom-Tabs", "x \t y")], body="{}"),
    dict(name="header_mixed_case_names", method="POST", url="http://localhost:8080/",
         headers=[("CONTENT-TYPE", "application/x-amz-json-1.0"),
                  ("x-AMZ-target", "AWSStepFunctions.ListStateMachines"),
                  ("X-Zeta", "last"), ("X-Alpha", "first")], body="{}"),
    dict(name="content_sha256_header", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
                  ("X-Amz-Content-SHA256",
                   "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")],
         body="{}"),
    dict(name="scheduler_rest_put", method="PUT",
         url="http://localhost:8080/schedules/nightly?clientToken=abc",
         headers=[("Content-Type", "application/json")],
         body='{"ScheduleExpression":"rate(1 day)"}', service="scheduler"),
    dict(name="sts_query_protocol_post", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
         body="Action=GetCallerIdentity&Version=2011-06-15", service="sts"),
    dict(name="other_region", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListStateMachines")], body="{}",
         region="eu-west-3"),
    dict(name="date_header_instead_of_x_amz_date", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
                  ("Date", "placeholder")], body="{}"),
    dict(name="binary_and_unicode_body", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.StartExecution")],
         body='{"input":"{\\"name\\":\\"\u00e9\u65e5\\"}"}'),
    dict(name="midnight_utc_time", method="POST", url="http://localhost:8080/",
         headers=[("Content-Type", "application/x-amz-json-1.0"),
                  ("X-Amz-Target", "AWSStepFunctions.ListStateMachines")], body="{}",
         time="2024-02-29T23:59:59"),
    dict(name="presigned_sts_get_caller_identity", method="GET",
         url="http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15", headers=[],
         body="", service="sts", presign=900),
    dict(name="presigned_with_session_token", method="GET", url="http://localhost:8080/",
         params=[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")], headers=[],
         body="", service="sts", presign=60, token=TOKEN),
]

DEFAULT_TIME = "2024-05-01T10:00:00"


def sign(case):
    when = datetime.datetime.fromisoformat(case.get("time", DEFAULT_TIME))
    service = case.get("service", "states")
    region = case.get("region", "us-east-1")
    creds = Credentials(AKID, SECRET, case.get("token"))
    body = case["body"].encode("utf-8")
    request = AWSRequest(method=case["method"], url=case["url"], data=body,
                         params=case.get("params"))
    host = urlsplit(case["url"]).netloc
    if host.endswith(":443") or host.endswith(":80"):
        host = host.rsplit(":", 1)[0]
    request.headers["Host"] = host
    for name, value in case["headers"]:
        request.headers[name] = value
    if case.get("presign"):
        signer = SigV4QueryAuth(creds, service, region, expires=case["presign"])
    else:
        signer = SigV4Auth(creds, service, region)
    recorded = []
    original = signer.canonical_request

    def record(req):
        recorded.append(original(req))
        return recorded[-1]

    signer.canonical_request = record
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        signer.add_auth(request)
    canonical = recorded[0]
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [[k, v] for k, v in prepared.headers.items()]
    out = {
        "name": case["name"],
        "method": prepared.method,
        "target": target,
        "headers": headers,
        "body": case["body"],
        "time": when.strftime("%Y%m%dT%H%M%SZ"),
        "time_ms": int(when.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000),
        "access_key_id": AKID,
        "secret_access_key": SECRET,
        "session_token": case.get("token"),
        "region": region,
        "service": service,
        "presigned": bool(case.get("presign")),
    }
    out["canonical_request"] = canonical
    if case.get("presign"):
        query = dict(p.split("=", 1) for p in parts.query.split("&"))
        out["signature"] = query["X-Amz-Signature"]
    else:
        auth = prepared.headers["Authorization"]
        out["authorization"] = auth
        out["signature"] = auth.rsplit("Signature=", 1)[1]
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "src", "auth", "testdata", "sigv4_vectors.json")
    vectors = {"generator": "botocore " + botocore.__version__,
               "vectors": [sign(c) for c in CASES]}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(vectors, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(vectors['vectors'])} vectors to {path}")


if __name__ == "__main__":
    main()
