#!/usr/bin/python3
"""An Avro encoder and decoder independent of ferry, for AvroConverter's tests.

Uses Debian's python3-avro (Apache Avro's Python implementation) and talks to
a Schema Registry over HTTP with urllib, as a Confluent producer would.

  avro_encode.py encode REGISTRY_URL SPEC.json
      SPEC: {"subject": s, "schema": <Avro schema JSON>,
             "references": [{"name", "subject", "version"}],   (optional)
             "values": [datum, ...]}
      Registers the schema under the subject (POST /subjects/s/versions) and
      prints one line per datum: the Confluent wire format (0x00, the id as 4
      bytes big-endian, the Avro binary datum) in hex.

  avro_encode.py decode REGISTRY_URL HEX
      Reads the schema of the wire-format bytes by id (GET /schemas/ids/N) and
      prints the datum as JSON (bytes as {"$bytes": hex}, logical types as
      tagged strings).

Datums are JSON; these objects stand for values JSON has no form for:
  {"$bytes": "00ff"}              bytes / fixed
  {"$decimal": "-12.34"}          decimal.Decimal
  {"$date": "2024-02-29"}         datetime.date
  {"$time_millis": "13:14:15.123"} / {"$time_micros": "13:14:15.123456"}
  {"$timestamp_millis": ms} / {"$timestamp_micros": us}   (UTC)
"""

import datetime
import decimal
import io
import json
import struct
import sys
import urllib.parse
import urllib.request

import avro.io
import avro.name
import avro.schema

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def call(url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url.rstrip("/") + path, data=data, method=method)
    req.add_header("Content-Type", "application/vnd.schemaregistry.v1+json")
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def from_json(v):
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if not isinstance(v, dict):
        return v
    if len(v) == 1:
        (tag, x), = v.items()
        if tag == "$bytes":
            return bytes.fromhex(x)
        if tag == "$decimal":
            return decimal.Decimal(x)
        if tag == "$date":
            return datetime.date.fromisoformat(x)
        if tag in ("$time_millis", "$time_micros"):
            return datetime.time.fromisoformat(x)
        if tag == "$timestamp_millis":
            return EPOCH + datetime.timedelta(milliseconds=x)
        if tag == "$timestamp_micros":
            return EPOCH + datetime.timedelta(microseconds=x)
    return {k: from_json(x) for k, x in v.items()}


def to_json(v):
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, decimal.Decimal):
        return {"$decimal": str(v)}
    if isinstance(v, datetime.datetime):
        return {"$timestamp": v.isoformat()}
    if isinstance(v, datetime.date):
        return {"$date": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"$time": v.isoformat()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    return v


def parse(url, schema_text, references, names):
    for ref in references or []:
        got = call(url, "GET", "/subjects/%s/versions/%d" % (
            urllib.parse.quote(ref["subject"], safe=""), ref["version"]))
        parse(url, got["schema"], got.get("references"), names)
    return avro.schema.make_avsc_object(json.loads(schema_text), names)


def encode(url, spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    schema_text = json.dumps(spec["schema"])
    body = {"schema": schema_text}
    if spec.get("references"):
        body["references"] = spec["references"]
    subject = urllib.parse.quote(spec["subject"], safe="")
    schema_id = call(url, "POST", "/subjects/%s/versions" % subject, body)["id"]
    schema = parse(url, schema_text, spec.get("references"), avro.name.Names())
    writer = avro.io.DatumWriter(schema)
    for value in spec["values"]:
        out = io.BytesIO()
        out.write(struct.pack(">bI", 0, schema_id))
        writer.write(from_json(value), avro.io.BinaryEncoder(out))
        print(out.getvalue().hex())


def decode(url, hex_bytes):
    data = bytes.fromhex(hex_bytes)
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0, "Unknown magic byte!"
    got = call(url, "GET", "/schemas/ids/%d" % schema_id)
    schema = parse(url, got["schema"], got.get("references"), avro.name.Names())
    reader = avro.io.DatumReader(schema)
    value = reader.read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))
    print(json.dumps(to_json(value), sort_keys=True))


def main():
    mode, url, arg = sys.argv[1:4]
    if mode == "encode":
        encode(url, arg)
    elif mode == "decode":
        decode(url, arg)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
