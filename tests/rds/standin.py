#!/usr/bin/python3
"""A stand-in for the Amazon RDS Query API (2014-10-31), for greenlight's tests.

Test code only: the real service cannot run here. It

  * verifies the SigV4 signature of every request with botocore's signer
    (Debian python3-botocore), independently of greenlight's (libcurl);
  * validates each request against the RDS model botocore ships
    (botocore/data/rds/2014-10-31/service-2.json): operation, parameter names,
    required members, integer ranges; and answers in the model's XML shapes,
    errors with the model's codes and HTTP statuses;
  * keeps the blue/green state machine (PROVISIONING -> AVAILABLE ->
    SWITCHOVER_IN_PROGRESS -> SWITCHOVER_COMPLETED | SWITCHOVER_FAILED, or
    INVALID_CONFIGURATION; DELETING), one step per DescribeBlueGreenDeployments;
  * can be told (POST /_control, JSON) to throttle the next N requests, answer
    5xx, hang (then serve the request anyway: a lost answer), each optionally
    for one action only; answer more than 16 MiB ("oversize": N answers);
    fail a switchover, go INVALID_CONFIGURATION, or page by N;
  * records every signed call it accepted (GET /_calls), so a test can prove
    that a held gate never called SwitchoverBlueGreenDeployment.

Usage: standin.py CONFIG.json PORT_FILE
CONFIG: {"access_key_id", "secret_access_key", "session_token" (optional),
         "region", "account", "databases": {ARN: {"host", "port", "engine_version"}},
         "source": ARN (blue), "green_host", "green_port"}
"""
import datetime
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MODEL_PATH = os.path.join(os.path.dirname(botocore.__file__), "data", "rds", "2014-10-31", "service-2.json")
with open(MODEL_PATH) as f:
    MODEL = json.load(f)
SHAPES = MODEL["shapes"]
NS = MODEL["metadata"]["xmlNamespace"]
SUPPORTED = {"CreateBlueGreenDeployment", "DescribeBlueGreenDeployments", "SwitchoverBlueGreenDeployment",
             "DeleteBlueGreenDeployment", "DescribeDBClusters", "DescribeDBInstances"}
SWITCHOVER_MAX = 3600  # documented maximum; the model only has min 30


class Fault(Exception):
    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or self.status_of(code)

    @staticmethod
    def status_of(code):
        for shape in SHAPES.values():
            err = shape.get("error")
            if shape.get("exception") and err and err.get("code") == code:
                return err.get("httpStatusCode", 400)
        return 400


def model_error_code(shape_name):
    err = SHAPES[shape_name].get("error", {})
    return err.get("code", shape_name)


# ---- request validation against the model ----

def validate_params(shape_name, params):
    """Every key must be a path through the input shape; required present."""
    shape = SHAPES[shape_name]
    for key, value in params.items():
        walk(shape_name, key.split("."), key, value)
    for req in shape.get("required", []):
        if not any(k == req or k.startswith(req + ".") for k in params):
            raise Fault("MissingParameter", "The request must contain the parameter %s" % req)


def walk(shape_name, parts, key, value):
    shape = SHAPES[shape_name]
    t = shape["type"]
    if t == "structure":
        if not parts or parts[0] not in shape["members"]:
            raise Fault("InvalidParameterValue", "Unknown parameter %s" % key)
        return walk(shape["members"][parts[0]]["shape"], parts[1:], key, value)
    if t == "list":
        name = shape["member"].get("locationName", "member")
        if len(parts) < 2 or parts[0] != name or not parts[1].isdigit() or int(parts[1]) < 1:
            raise Fault("InvalidParameterValue", "Malformed list parameter %s" % key)
        return walk(shape["member"]["shape"], parts[2:], key, value)
    if parts:
        raise Fault("InvalidParameterValue", "Unknown parameter %s" % key)
    if t in ("integer", "long"):
        if not re.fullmatch(r"-?\d+", value):
            raise Fault("InvalidParameterValue", "%s must be an integer" % key)
        if "min" in shape and int(value) < shape["min"]:
            raise Fault("InvalidParameterValue", "%s must be at least %d" % (key, shape["min"]))
    elif t == "boolean":
        if value not in ("true", "false"):
            raise Fault("InvalidParameterValue", "%s must be true or false" % key)
    elif t == "string":
        if "max" in shape and len(value) > shape["max"]:
            raise Fault("InvalidParameterValue", "%s is too long" % key)
        if "pattern" in shape and not re.fullmatch(shape["pattern"], value):
            raise Fault("InvalidParameterValue", "%s does not match %s" % (key, shape["pattern"]))


# ---- answers in the model's XML shapes ----

def to_xml(shape_name, value, tag):
    shape = SHAPES[shape_name]
    t = shape["type"]
    if t == "structure":
        inner = "".join(to_xml(m["shape"], value[name], m.get("locationName", name))
                        for name, m in shape["members"].items() if value.get(name) is not None)
        return "<%s>%s</%s>" % (tag, inner, tag)
    if t == "list":
        name = shape["member"].get("locationName", "member")
        inner = "".join(to_xml(shape["member"]["shape"], v, name) for v in value)
        return "<%s>%s</%s>" % (tag, inner, tag)
    if t == "boolean":
        return "<%s>%s</%s>" % (tag, "true" if value else "false", tag)
    return "<%s>%s</%s>" % (tag, escape(str(value)), tag)


def answer_xml(op_name, result):
    op = MODEL["operations"][op_name]
    out = SHAPES[op["output"]["shape"]]
    inner = "".join(to_xml(m["shape"], result[name], name) for name, m in out["members"].items()
                    if result.get(name) is not None)
    wrapper = op["output"]["resultWrapper"]
    return ('<%sResponse xmlns="%s"><%s>%s</%s><ResponseMetadata><RequestId>%s</RequestId>'
            '</ResponseMetadata></%sResponse>' % (op_name, NS, wrapper, inner, wrapper, uuid.uuid4(), op_name))


def error_xml(fault):
    return ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
            '<RequestId>%s</RequestId></ErrorResponse>' % (NS, escape(fault.code), escape(fault.message), uuid.uuid4()))


# ---- state ----

class State:
    def __init__(self, config):
        self.config = config
        self.lock = threading.Lock()
        self.deployments = {}
        self.calls = []
        self.control = {"throttle": 0, "fail_5xx": 0, "hang_seconds": 0, "hang_count": 0,
                        "switchover_outcome": "complete", "steps": 1, "page_size": 100,
                        "provisioning_outcome": "available", "only_action": None, "oversize": 0}
        self.databases = dict(config["databases"])

    def now(self):
        return datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z")


def find_db(state, ident, kind):
    for arn, db in state.databases.items():
        if db["kind"] == kind and (arn == ident or arn.split(":")[-1] == ident):
            return arn, db
    return None, None


def deployment_view(d):
    return {k: d[k] for k in ("BlueGreenDeploymentIdentifier", "BlueGreenDeploymentName", "Source", "Target",
                              "SwitchoverDetails", "Tasks", "Status", "StatusDetails", "CreateTime") if k in d}


def set_members(d, status):
    for m in d["SwitchoverDetails"]:
        m["Status"] = status


def advance(state, d):
    """One step of the state machine per describe (state.control['steps'] describes per step)."""
    d["_polls"] = d.get("_polls", 0) + 1
    if d["_polls"] < state.control["steps"]:
        return
    d["_polls"] = 0
    s = d["Status"]
    if s == "PROVISIONING":
        if d.get("_provisioning_outcome") == "invalid":
            d["Status"] = "INVALID_CONFIGURATION"
            d["StatusDetails"] = "Replication from the source stopped: the green environment is no longer in sync"
            set_members(d, "preparing-for-switchover")
        else:
            d["Status"] = "AVAILABLE"
            for t in d["Tasks"]:
                t["Status"] = "COMPLETED"
            set_members(d, "ready-for-switchover")
    elif s == "SWITCHOVER_IN_PROGRESS":
        outcome = d.get("_switchover_outcome", "complete")
        if outcome == "hang":
            return
        if outcome == "fail":
            d["Status"] = "SWITCHOVER_FAILED"
            d["StatusDetails"] = "Switchover timed out before the green environment caught up; all changes were rolled back"
            set_members(d, "switchover-failed")
        elif outcome == "invalid":
            d["Status"] = "INVALID_CONFIGURATION"
            d["StatusDetails"] = "Replication stopped during switchover"
            set_members(d, "switchover-failed")
        else:
            d["Status"] = "SWITCHOVER_COMPLETED"
            d["StatusDetails"] = "Switchover completed"
            set_members(d, "switchover-completed")


def op_create(state, p):
    name, source = p["BlueGreenDeploymentName"], p["Source"]
    if any(d["BlueGreenDeploymentName"] == name for d in state.deployments.values()):
        raise Fault(model_error_code("BlueGreenDeploymentAlreadyExistsFault"),
                    "A blue/green deployment named %s already exists" % name)
    kind = "cluster" if ":cluster:" in source else "db"
    arn, db = find_db(state, source, kind)
    if arn is None:
        fault = "DBClusterNotFoundFault" if kind == "cluster" else "DBInstanceNotFoundFault"
        raise Fault(model_error_code(fault), "%s not found: %s" % (kind, source))
    group = p.get("TargetDBClusterParameterGroupName") or p.get("TargetDBParameterGroupName")
    if group is not None and group not in state.config.get("parameter_groups", []):
        fault = "DBClusterParameterGroupNotFoundFault" if kind == "cluster" else "DBParameterGroupNotFoundFault"
        raise Fault(model_error_code(fault), "DBParameterGroup not found: %s" % group)
    ident = "bgd-" + uuid.uuid4().hex[:16]
    suffix = uuid.uuid4().hex[:6]
    target = "%s-green-%s" % (arn, suffix)
    state.databases[target] = {"kind": kind, "host": state.config["green_host"], "port": state.config["green_port"],
                               "engine_version": p.get("TargetEngineVersion", db.get("engine_version"))}
    d = {"BlueGreenDeploymentIdentifier": ident, "BlueGreenDeploymentName": name, "Source": arn, "Target": target,
         "SwitchoverDetails": [{"SourceMember": arn, "TargetMember": target, "Status": "provisioning"}],
         "Tasks": [{"Name": "CREATING_READ_REPLICA_OF_SOURCE", "Status": "IN_PROGRESS"},
                   {"Name": "DB_ENGINE_VERSION_UPGRADE", "Status": "PENDING"},
                   {"Name": "CONFIGURE_BACKUPS", "Status": "PENDING"}],
         "Status": "PROVISIONING", "CreateTime": state.now(),
         "_provisioning_outcome": state.control["provisioning_outcome"]}
    state.deployments[ident] = d
    return {"BlueGreenDeployment": deployment_view(d)}


def find_deployment(state, ident):
    for k, d in state.deployments.items():
        if k.lower() == ident.lower():
            return d
    raise Fault(model_error_code("BlueGreenDeploymentNotFoundFault"),
                "BlueGreenDeployment %s not found." % ident)


def op_describe(state, p):
    if "BlueGreenDeploymentIdentifier" in p:
        found = [find_deployment(state, p["BlueGreenDeploymentIdentifier"])]
    else:
        found = list(state.deployments.values())
        filters = {}
        i = 1
        while "Filters.Filter.%d.Name" % i in p:
            vals, j = [], 1
            while "Filters.Filter.%d.Values.Value.%d" % (i, j) in p:
                vals.append(p["Filters.Filter.%d.Values.Value.%d" % (i, j)])
                j += 1
            filters[p["Filters.Filter.%d.Name" % i]] = vals
            i += 1
        field = {"blue-green-deployment-identifier": "BlueGreenDeploymentIdentifier",
                 "blue-green-deployment-name": "BlueGreenDeploymentName", "source": "Source", "target": "Target"}
        for name, vals in filters.items():
            if name not in field:
                raise Fault("InvalidParameterValue", "Unrecognized filter name: %s" % name)
            found = [d for d in found if d[field[name]] in vals]
    for d in found:
        advance(state, d)
    max_records = int(p.get("MaxRecords", "100"))
    if max_records < 20 or max_records > 100:
        raise Fault("InvalidParameterValue", "MaxRecords must be between 20 and 100")
    size = min(max_records, state.control["page_size"])
    start = int(p.get("Marker", "0") or "0")
    page = found[start:start + size]
    marker = str(start + size) if start + size < len(found) else None
    return {"BlueGreenDeployments": [deployment_view(d) for d in page], "Marker": marker}


def op_switchover(state, p):
    d = find_deployment(state, p["BlueGreenDeploymentIdentifier"])
    timeout = int(p.get("SwitchoverTimeout", "300"))
    if timeout > SWITCHOVER_MAX:
        raise Fault("InvalidParameterValue", "SwitchoverTimeout must be at most %d" % SWITCHOVER_MAX)
    if d["Status"] != "AVAILABLE":
        raise Fault(model_error_code("InvalidBlueGreenDeploymentStateFault"),
                    "The blue/green deployment can't be switched over in status %s" % d["Status"])
    d["Status"] = "SWITCHOVER_IN_PROGRESS"
    d["_switchover_outcome"] = state.control["switchover_outcome"]
    d["_polls"] = 0
    set_members(d, "switchover-in-progress")
    return {"BlueGreenDeployment": deployment_view(d)}


def op_delete(state, p):
    d = find_deployment(state, p["BlueGreenDeploymentIdentifier"])
    delete_target = p.get("DeleteTarget") == "true"
    if d["Status"] == "SWITCHOVER_IN_PROGRESS":
        raise Fault(model_error_code("InvalidBlueGreenDeploymentStateFault"),
                    "The blue/green deployment can't be deleted during switchover")
    if delete_target and d["Status"] == "SWITCHOVER_COMPLETED":
        raise Fault("InvalidParameterCombination", "You can't delete the target after switchover completed")
    d["Status"] = "DELETING"
    view = deployment_view(d)
    del state.deployments[d["BlueGreenDeploymentIdentifier"]]
    if delete_target:
        state.databases.pop(d["Target"], None)
    return {"BlueGreenDeployment": view}


def op_db(state, p, kind):
    ident = p.get("DBClusterIdentifier" if kind == "cluster" else "DBInstanceIdentifier")
    arn, db = find_db(state, ident, kind)
    if arn is None:
        fault = "DBClusterNotFoundFault" if kind == "cluster" else "DBInstanceNotFoundFault"
        raise Fault(model_error_code(fault), "%s %s not found." % (kind, ident))
    name = arn.split(":")[-1]
    if kind == "cluster":
        return {"DBClusters": [{"DBClusterIdentifier": name, "DBClusterArn": arn, "Endpoint": db["host"],
                                "Port": db["port"], "Engine": "aurora-postgresql", "Status": "available",
                                "EngineVersion": db.get("engine_version")}]}
    return {"DBInstances": [{"DBInstanceIdentifier": name, "DBInstanceArn": arn, "Engine": "postgres",
                             "DBInstanceStatus": "available", "EngineVersion": db.get("engine_version"),
                             "Endpoint": {"Address": db["host"], "Port": db["port"]}}]}


OPS = {"CreateBlueGreenDeployment": op_create, "DescribeBlueGreenDeployments": op_describe,
       "SwitchoverBlueGreenDeployment": op_switchover, "DeleteBlueGreenDeployment": op_delete,
       "DescribeDBClusters": lambda s, p: op_db(s, p, "cluster"),
       "DescribeDBInstances": lambda s, p: op_db(s, p, "db")}


# ---- signature ----

AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def verify_signature(config, method, path, headers, body):
    auth = headers.get("Authorization", "")
    m = AUTH_RE.match(auth)
    if not m:
        raise Fault("IncompleteSignature", "Authorization header missing or malformed", 403)
    key_id, day, region, service, signed, signature = m.groups()
    if key_id != config["access_key_id"]:
        raise Fault("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    if region != config["region"] or service != "rds":
        raise Fault("SignatureDoesNotMatch", "Credential should be scoped to a valid region and service rds", 403)
    amz_date = headers.get("X-Amz-Date", "")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise Fault("IncompleteSignature", "X-Amz-Date missing or malformed", 403)
    if abs((datetime.datetime.utcnow() - when).total_seconds()) > 300 or day != amz_date[:8]:
        raise Fault("RequestExpired", "Request has expired.", 403)
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        raise Fault("SignatureDoesNotMatch", "host and x-amz-date must be signed", 403)
    if headers.get("X-Amz-Security-Token") is not None and "x-amz-security-token" not in names:
        raise Fault("IncompleteSignature", "X-Amz-Security-Token must be signed", 403)
    token = config.get("session_token")
    if token:
        if "x-amz-security-token" not in names or headers.get("X-Amz-Security-Token") != token:
            raise Fault("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    req_headers = {}
    for n in names:
        v = headers.get(n)
        if v is None:
            raise Fault("SignatureDoesNotMatch", "Signed header %s is missing" % n, 403)
        req_headers[n] = v
    req = AWSRequest(method=method, url="http://%s%s" % (headers.get("Host"), path), data=body, headers=req_headers)
    req.context["timestamp"] = amz_date
    creds = Credentials(config["access_key_id"], config["secret_access_key"], token)
    signer = SigV4Auth(creds, "rds", region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != signature:
        raise Fault("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.", 403)


# ---- HTTP ----

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if os.environ.get("GL_STANDIN_VERBOSE"):
            sys.stderr.write("standin: " + fmt % args + "\n")

    def reply(self, status, body, ctype="text/xml"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        state = self.server.state
        if self.path == "/_calls":
            with state.lock:
                return self.reply(200, json.dumps(state.calls), "application/json")
        if self.path == "/_state":
            with state.lock:
                return self.reply(200, json.dumps({k: deployment_view(d) for k, d in state.deployments.items()}),
                                  "application/json")
        self.reply(404, error_xml(Fault("InvalidAction", "GET is not supported")))

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        if self.path == "/_control":
            with state.lock:
                state.control.update(json.loads(body or b"{}"))
            return self.reply(200, json.dumps(state.control), "application/json")
        # Hangs honour only_action too (a lost answer to one call); the hung
        # request is then served as usual, after the client may have gone.
        try:
            peek = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))).get("Action")
        except ValueError:
            peek = None
        with state.lock:
            hang = 0
            if state.control["hang_count"] > 0 and state.control["only_action"] in (None, peek):
                state.control["hang_count"] -= 1
                hang = state.control["hang_seconds"]
        if hang:
            time.sleep(hang)
        try:
            verify_signature(state.config, "POST", self.path, self.headers, body)
            if self.path != "/":
                raise Fault("InvalidAction", "The RDS Query API is served at /")
            ctype = self.headers.get("Content-Type", "")
            if not ctype.startswith("application/x-www-form-urlencoded"):
                raise Fault("InvalidParameterValue", "Content-Type must be application/x-www-form-urlencoded")
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
            params = {}
            for k, v in pairs:
                if k in params:
                    raise Fault("InvalidParameterValue", "Parameter %s given twice" % k)
                params[k] = v
            action = params.pop("Action", None)
            if params.pop("Version", None) != MODEL["metadata"]["apiVersion"]:
                raise Fault("InvalidParameterValue", "Version must be 2014-10-31")
            if action not in SUPPORTED:
                raise Fault("InvalidAction", "Could not find operation %s" % action)
            with state.lock:
                state.calls.append({"action": action, "params": params})
                only = state.control["only_action"]
                if state.control["throttle"] > 0 and only in (None, action):
                    state.control["throttle"] -= 1
                    raise Fault("Throttling", "Rate exceeded", 400)
                if state.control["fail_5xx"] > 0 and only in (None, action):
                    state.control["fail_5xx"] -= 1
                    raise Fault("InternalFailure", "An internal error occurred", 503)
                oversize = state.control["oversize"] > 0 and only in (None, action)
                if oversize:
                    state.control["oversize"] -= 1
            if oversize:
                return self.reply(200, "<!--" + "x" * (17 * 1024 * 1024) + "-->")
            with state.lock:
                validate_params(MODEL["operations"][action]["input"]["shape"], params)
                result = OPS[action](state, params)
            self.reply(200, answer_xml(action, result))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
        except Fault as f:
            try:
                self.reply(f.status, error_xml(f))
            except (BrokenPipeError, ConnectionResetError):
                pass
        except Exception as e:  # a bug in the stand-in: say so loudly
            sys.stderr.write("standin: internal error: %r\n" % (e,))
            self.reply(500, error_xml(Fault("InternalFailure", "stand-in bug: %r" % (e,), 500)))


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: standin.py CONFIG.json PORT_FILE\n")
        return 64
    with open(sys.argv[1]) as f:
        config = json.load(f)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(config)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, sys.argv[2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
