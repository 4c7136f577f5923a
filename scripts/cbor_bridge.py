"""Smithy RPC v2 CBOR in front of moto's JSON.

aws-sdk-rust speaks CloudWatch's newest protocol, RPC v2 CBOR (a POST to
/service/<Service>/operation/<Operation> with a CBOR body); moto 5.2.1
answers CloudWatch in awsJson1_0, which AWS serves too (the service lists
both). The launcher turns such a request into the same operation in JSON
and moto's JSON answer back into CBOR, read by the operation's output shape
in botocore's model: timestamps as CBOR tag 1, doubles as floats, integers
as integers, as the SDK's decoder insists.
"""

import base64
import datetime
import io
import json

import cbor2

import aws_models


def is_cbor(environ):
    return environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor"


def _plain(value):
    """A decoded CBOR request as JSON values (timestamps as epoch seconds)."""
    if isinstance(value, cbor2.CBORTag) and value.tag == 1:
        return value.value
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def to_json_request(environ, body):
    """Rewrites the WSGI environ in place as the awsJson1_0 request for the
    same operation; returns (operation, the JSON body)."""
    parts = environ.get("PATH_INFO", "").strip("/").split("/")
    service, operation = parts[1], parts[3]
    doc = _plain(cbor2.loads(body)) if body else {}
    payload = json.dumps(doc).encode()
    environ["PATH_INFO"] = "/"
    environ["CONTENT_TYPE"] = "application/x-amz-json-1.0"
    environ["HTTP_X_AMZ_TARGET"] = "%s.%s" % (service, operation)
    environ["CONTENT_LENGTH"] = str(len(payload))
    environ["wsgi.input"] = io.BytesIO(payload)
    return operation, payload


def _timestamp(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return cbor2.CBORTag(1, float(value))


def _typed(shape, value):
    """A JSON value as the CBOR value its shape calls for."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {k: _typed(members.get(k), v) for k, v in value.items()} if isinstance(value, dict) else value
    if kind == "list":
        return [_typed(shape.member, v) for v in value]
    if kind == "map":
        return {k: _typed(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return _timestamp(value)
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind == "blob":
        return base64.b64decode(value)
    return value


def to_cbor_answer(signing, operation, status, headers, payload):
    """moto's JSON answer as the CBOR one: (headers, payload)."""
    try:
        doc = json.loads(payload) if payload.strip() else {}
    except ValueError:
        doc = {"__type": "InternalFailure", "message": payload.decode("utf-8", "replace")}
    op = _operation(signing, operation)
    if status.startswith("2") and op is not None:
        doc = _typed(op.output_shape, doc)
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
    if not status.startswith("2") and isinstance(doc, dict):
        # AWS's query-compatible error: the shape in __type, its query code
        # (which the SDK reports) in x-amzn-query-error.
        code = str(doc.get("__type", "")).rsplit("#", 1)[-1]
        shape, query_code = _error_shape(op, code)
        doc["__type"] = shape
        fault = "Sender" if status.startswith("4") else "Receiver"
        kept = [(k, v) for k, v in kept if k.lower() != "x-amzn-query-error"]
        kept.append(("x-amzn-query-error", "%s;%s" % (query_code, fault)))
    body = cbor2.dumps(doc)
    kept += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
             ("Content-Length", str(len(body)))]
    return kept, body


def _operation(signing, operation):
    """The operation's model in AWS's models, or None."""
    for model in aws_models.models_for(signing):
        if operation in model.operation_names:
            return model.operation_model(operation)
    return None


def _error_shape(op, code):
    """(error shape name, its query code) of the operation's error that
    `code` names by either; the code itself when none does."""
    for e in op.error_shapes if op is not None else []:
        query_code = e.metadata.get("error", {}).get("code", e.name)
        if code in (e.name, query_code):
            return e.name, query_code
    return code, code
