#!/usr/bin/env python3
"""A loopback webhook receiver for test_evidence_notify.sh.

Usage: notify_receiver.py PORT_FILE LOG_FILE
Listens on 127.0.0.1 (a free port, written to PORT_FILE) and appends one JSON
line per request to LOG_FILE: {path, headers, body}. What it answers depends
on the path's first segment:
  /ok, /slack    200
  /flaky         500 for the first two requests, then 200
  /down          500 always
  /bad           400
  /slow          waits 3 s, then 200
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()
seen = {}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind = self.path.strip("/").split("/")[0]
        with lock:
            seen[kind] = seen.get(kind, 0) + 1
            n = seen[kind]
            with open(log_file, "a", encoding="utf-8") as f:
                f.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()),
                                    "body": body.decode("utf-8", "replace")}) + "\n")
        if kind == "slow":
            time.sleep(3)
        status = {"ok": 200, "slack": 200, "down": 500, "bad": 400, "slow": 200}.get(kind, 404)
        if kind == "flaky":
            status = 500 if n <= 2 else 200
        try:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402  (rename after the port is known, so readers never see half a file)
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
