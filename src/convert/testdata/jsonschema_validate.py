#!/usr/bin/python3
"""A JSON Schema validator independent of ferry, for JsonSchemaConverter's tests.

Uses Debian's python3-jsonschema (Draft 7, as Confluent's default).

  jsonschema_validate.py SPEC.json
      SPEC: {"schema": <JSON Schema>, "instances": [value, ...]}
      Prints one line per instance: "valid", or "invalid" and the first error.
"""

import json
import sys

import jsonschema


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    validator = jsonschema.Draft7Validator(spec["schema"])
    for instance in spec["instances"]:
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            print("invalid", errors[0].message.replace("\n", " "))
        else:
            print("valid")


if __name__ == "__main__":
    main()
