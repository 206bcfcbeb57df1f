#!/usr/bin/python3
"""validate.py SCHEMA FILE...: exit 1 naming the path of every violation."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for path in sys.argv[2:]:
    for err in validator.iter_errors(json.load(open(path))):
        bad += 1
        print(f"{path}: {'/'.join(map(str, err.absolute_path)) or '(top)'}: {err.message}")
sys.exit(1 if bad else 0)
