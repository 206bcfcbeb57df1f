#!/usr/bin/python3
"""Writes tests/aws/sigv4-vectors/: RDS-shaped SigV4 cases signed by botocore
(Debian python3-botocore), an implementation independent of libcurl's.
Each case has the files test_aws_sigv4.c reads from the AWS suite:
context.json, request.txt, header-signed-request.txt. Run it again only to
add a case: the output is deterministic (fixed time)."""
import datetime
import json
import os
import sys
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sigv4-vectors")
WHEN = datetime.datetime(2026, 12, 2, 14, 30, 5)
CASES = [
    ("rds-describe", "eu-west-1", None,
     "Action=DescribeBlueGreenDeployments&Version=2014-10-31&BlueGreenDeploymentIdentifier=bgd-v53303651eexfake"),
    ("rds-describe-session-token", "us-east-1", "IQoJb3JpZ2luX2VjEFAKE//////////TOKEN+with/slashes=",
     "Action=DescribeBlueGreenDeployments&Version=2014-10-31&Filters.Filter.1.Name=blue-green-deployment-name"
     "&Filters.Filter.1.Values.Value.1=my-bgd&MaxRecords=100"),
    ("rds-create-arn", "ap-southeast-2", None,
     "Action=CreateBlueGreenDeployment&Version=2014-10-31&BlueGreenDeploymentName=my-bgd"
     "&Source=arn%3Aaws%3Ards%3Aap-southeast-2%3A123456789012%3Acluster%3Aprod-db"
     "&TargetEngineVersion=17.2&TargetDBClusterParameterGroupName=pg17%20params"),
    ("rds-switchover", "eu-central-1", None,
     "Action=SwitchoverBlueGreenDeployment&Version=2014-10-31"
     "&BlueGreenDeploymentIdentifier=bgd-abc123&SwitchoverTimeout=300"),
]


def main():
    for name, region, token, body in CASES:
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        creds = Credentials("AKIDGREENLIGHTTEST", "gLsEcReT/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
        headers = {"Host": "rds.%s.amazonaws.com" % region,
                   "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        req = AWSRequest(method="POST", url="https://rds.%s.amazonaws.com/" % region,
                         data=body.encode(), headers=headers)
        with mock.patch("botocore.auth.datetime") as dt:
            dt.datetime.utcnow.return_value = WHEN
            SigV4Auth(creds, "rds", region).add_auth(req)
        ctx = {"credentials": {"access_key_id": creds.access_key, "secret_access_key": creds.secret_key},
               "normalize": True, "region": region, "service": "rds", "sign_body": True,
               "timestamp": WHEN.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if token:
            ctx["credentials"]["token"] = token
        with open(os.path.join(d, "context.json"), "w") as f:
            json.dump(ctx, f, indent=4)
            f.write("\n")
        with open(os.path.join(d, "request.txt"), "w") as f:
            f.write("POST / HTTP/1.1\n")
            for k, v in headers.items():
                f.write("%s:%s\n" % (k, v))
            f.write("\n" + body)
        with open(os.path.join(d, "header-signed-request.txt"), "w") as f:
            f.write("POST / HTTP/1.1\n")
            for k, v in req.headers.items():
                f.write("%s:%s\n" % (k, v))
            f.write("\n" + body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
