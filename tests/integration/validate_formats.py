#!/usr/bin/env python3
"""Structural checks of greenlight's JUnit and SARIF output that run without
the third-party schemas in ../shared (those are checked too when present, by
xmllint and python3-jsonschema in the test itself).

usage: validate_formats.py junit FILE | sarif FILE
Exits 1 with one line per problem."""
import json
import re
import sys
import xml.etree.ElementTree as ET

problems = []


def need(cond, msg):
    if not cond:
        problems.append(msg)


def junit(path):
    root = ET.parse(path).getroot()
    need(root.tag == "testsuites", f"root is <{root.tag}>, not <testsuites>")
    ids = []
    for suite in root:
        need(suite.tag == "testsuite", f"<testsuites> holds <{suite.tag}>")
        for a in ("name", "package", "id", "timestamp", "hostname", "tests", "failures", "errors", "time"):
            need(a in suite.attrib, f"suite {suite.get('name')} lacks {a}")
        need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", "")) is not None,
             f"suite {suite.get('name')} timestamp {suite.get('timestamp')!r} is not yyyy-mm-ddThh:mm:ss")
        ids.append(suite.get("id"))
        children = [c.tag for c in suite]
        need(children[:1] == ["properties"], f"suite {suite.get('name')} does not start with <properties>")
        need(children[-2:] == ["system-out", "system-err"], f"suite {suite.get('name')} does not end with system-out, system-err")
        cases = suite.findall("testcase")
        need(int(suite.get("tests", -1)) == len(cases), f"suite {suite.get('name')} tests={suite.get('tests')} but has {len(cases)} test cases")
        for kind, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            n = sum(1 for c in cases if c.find(kind) is not None)
            need(int(suite.get(attr, 0)) == n, f"suite {suite.get('name')} {attr}={suite.get(attr)} but {n} test cases have <{kind}>")
        for c in cases:
            for a in ("name", "classname", "time"):
                need(a in c.attrib, f"test case in {suite.get('name')} lacks {a}")
            need(len(list(c)) <= 1 and all(x.tag in ("failure", "error", "skipped") for x in c),
                 f"test case {c.get('name')} holds {[x.tag for x in c]}")
            for x in c:
                need(x.tag == "skipped" or "type" in x.attrib, f"<{x.tag}> of {c.get('name')} lacks type")
    need(len(ids) == len(set(ids)), "suite ids repeat")


def sarif(path):
    doc = json.load(open(path, encoding="utf-8"))
    need(doc.get("version") == "2.1.0", "version is not 2.1.0")
    runs = doc.get("runs", [])
    need(len(runs) == 1, "not exactly one run")
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        need(driver.get("name") == "greenlight", "driver name is not greenlight")
        rules = driver.get("rules", [])
        ids = [r.get("id") for r in rules]
        need(len(ids) == len(set(ids)), "rule ids repeat")
        for r in rules:
            need(r.get("help", {}).get("text"), f"rule {r.get('id')} has no help text")
        for res in run.get("results", []):
            i = res.get("ruleIndex", -1)
            need(0 <= i < len(rules) and rules[i].get("id") == res.get("ruleId"),
                 f"result {res.get('ruleId')} has ruleIndex {i} that names another rule")
            need(res.get("level") in ("error", "warning", "note", "none"), f"level {res.get('level')}")
            need(res.get("message", {}).get("text") is not None, "result without message text")
            locs = res.get("locations", [])
            need(locs and locs[0].get("logicalLocations"), f"result {res.get('ruleId')} has no logical location")


if __name__ == "__main__":
    {"junit": junit, "sarif": sarif}[sys.argv[1]](sys.argv[2])
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
