#!/usr/bin/env python3
"""Start moto's server with the patches fargate-stack's tests need.

Nothing in moto's files is changed; the patches are applied at start-up:

1. ECS responses: moto sends containers[].cpu / memory / memoryReservation as
   JSON numbers where the AWS model says strings. aws-sdk-rust (correctly)
   rejects the whole response, so numbers in those fields are sent as strings.
2. ECS RunTask: moto 5.2.1 fails with HTTP 500 on three normal Fargate cases
   (no container-level memory, no security groups, a VPC without DNS
   hostnames). Each is patched to behave as AWS does.
3. A call log: with MOTO_CALL_LOG=FILE, every request appends one line
   "service Operation", so tests can prove independently of the binary that a
   command made no mutating call.

Usage: moto_server.py [-H HOST] [-p PORT]   (moto's own flags)
"""

import io
import json
import os
import sys
import threading
import urllib.parse

import moto.server as moto_server

_log_lock = threading.Lock()

ECS_STRING_FIELDS = ("cpu", "memory", "memoryReservation")


def _service_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker in auth:
        scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            return scope[3]
    return "unknown"


def _operation_of(environ, body):
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if body:
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                return form["Action"][0]
        except Exception:
            pass
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    return "%s %s" % (environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", "/"))


def _fix_ecs_numbers(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "containers" and isinstance(value, list):
                for container in value:
                    if isinstance(container, dict):
                        for field in ECS_STRING_FIELDS:
                            if isinstance(container.get(field), (int, float)) and not isinstance(container.get(field), bool):
                                container[field] = str(container[field])
            _fix_ecs_numbers(value)
    elif isinstance(node, list):
        for item in node:
            _fix_ecs_numbers(item)


class Middleware:
    def __init__(self, app):
        self.app = app
        self.call_log = os.environ.get("MOTO_CALL_LOG")

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        body = b""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        service = _service_of(environ)
        if self.call_log and not environ.get("PATH_INFO", "").startswith("/moto-api"):
            line = "%s %s\n" % (service, _operation_of(environ, body))
            with _log_lock, open(self.call_log, "a") as f:
                f.write(line)
        if service != "ecs":
            return self.app(environ, start_response)

        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        try:
            doc = json.loads(payload)
            _fix_ecs_numbers(doc)
            payload = json.dumps(doc).encode()
        except ValueError:
            pass
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(payload))))
        start_response(captured["status"], headers)
        return [payload]


def _patch_run_task():
    from moto.ec2 import models as ec2_models  # noqa: F401
    from moto.ecs import models as ecs

    backend_cls = ecs.EC2ContainerServiceBackend
    original_calc = backend_cls._calculate_task_resource_requirements

    def calc(task_definition):
        # Fargate needs only task-level memory; moto expects it per container.
        patched = []
        for c in task_definition.container_definitions:
            if c.get("memory") is None and c.get("memoryReservation") is None:
                c = dict(c)
                c["memory"] = int(task_definition.memory or 0) // max(1, len(task_definition.container_definitions))
            patched.append(c)
        saved = task_definition.container_definitions
        task_definition.container_definitions = patched
        try:
            return original_calc(task_definition)
        finally:
            task_definition.container_definitions = saved

    backend_cls._calculate_task_resource_requirements = staticmethod(calc)

    original_run = backend_cls.run_task

    def run_task(self, *args, **kwargs):
        cfg = kwargs.get("networking_configuration")
        if cfg and "awsvpcConfiguration" in cfg:
            cfg["awsvpcConfiguration"].setdefault("securityGroups", [])
        return original_run(self, *args, **kwargs)

    backend_cls.run_task = run_task

    # An ENI in a VPC without DNS hostnames has no private_dns_name in moto.
    from moto.ec2.models import elastic_network_interfaces as eni

    # (moto sets the attribute only when the VPC has DNS hostnames enabled.)
    if not hasattr(eni.NetworkInterface, "private_dns_name"):
        eni.NetworkInterface.private_dns_name = None


def main():
    _patch_run_task()
    original = moto_server.DomainDispatcherApplication

    def wrapped(*args, **kwargs):
        return Middleware(original(*args, **kwargs))

    moto_server.DomainDispatcherApplication = wrapped
    moto_server.main(sys.argv[1:])


if __name__ == "__main__":
    main()
