#!/usr/bin/python3
"""The C validators and the JSON Schemas agree on every input format.

For each file of tests/input/corpus/FORMAT/{valid,invalid}/*.json:
`greenlight validate FORMAT FILE` and share/schema/FORMAT.schema.json
(python3-jsonschema) must both accept it (valid/) or both refuse it
(invalid/); a refusal by greenlight exits 64 and names the file and a
JSON path. Usage: test_schemas_agree.py GREENLIGHT SOURCE_DIR
"""
import json
import os
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)

greenlight, source = sys.argv[1], sys.argv[2]
corpus = os.path.join(source, "tests", "input", "corpus")
failures, checked = [], 0
for fmt in sorted(os.listdir(corpus)):
    schema = json.load(open(os.path.join(source, "share", "schema", fmt + ".schema.json")))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    for expect in ("valid", "invalid"):
        folder = os.path.join(corpus, fmt, expect)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            checked += 1
            schema_errors = list(validator.iter_errors(json.load(open(path))))
            run = subprocess.run([greenlight, "validate", fmt, path], capture_output=True, text=True)
            c_ok = run.returncode == 0
            s_ok = not schema_errors
            want = expect == "valid"
            if c_ok != want or s_ok != want:
                failures.append(f"{fmt}/{expect}/{name}: greenlight {'accepts' if c_ok else 'refuses'} "
                                f"({run.stderr.strip()[:300]}), schema {'accepts' if s_ok else 'refuses'} "
                                f"({schema_errors[0].message[:200] if schema_errors else ''})")
            elif not c_ok and (run.returncode != 64 or path not in run.stderr or ": $" not in run.stderr):
                failures.append(f"{fmt}/{expect}/{name}: refusal must exit 64 naming the file and a "
                                f"JSON path; got {run.returncode}: {run.stderr.strip()[:300]}")
for f in failures:
    print("FAIL", f)
print(f"{checked} files, {len(failures)} disagreements")
sys.exit(1 if failures or checked == 0 else 0)
