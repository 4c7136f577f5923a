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
   command made no mutating call. REST services' operations (Route 53, EFS,
   S3) are named from botocore's models by method, path and query; the tests
   tell reads from writes by a list of operations known to only read.
4. Container emulation (moto runs no containers). Tests describe outcomes
   with POST /_fargate_stack/outcome and a JSON body:
     {"family": "report", "exit_code": 3, "log_lines": ["a", "b"],
      "started": true, "stop_code": "...", "stopped_reason": "..."}
     {"service": "web", "rollout": "failed" | "stable" | "draining" | "alarm", "alarm": "...", "stopped_reason": "..."}
   A task of that family then reports those values when it stops, and its
   log lines are written at RunTask into the stream the awslogs driver would
   use (<prefix>/<container>/<task-id>). A service's deployment completes
   (the default) or fails as the circuit breaker would report it, with a
   stopped task carrying the reason. A completed rollout keeps the service's
   desired number of tasks RUNNING, of its current task definition and with
   the image digest the tag had when they started (replaced on update, as
   ECS would). Other tasks move one state per DescribeTasks call, as stock
   moto does (see its state manager). Tasks also get the cpu and memory of
   their task definition, which moto leaves out.

5. Fault injection, for the convergence tests: POST /_fargate_stack/faults
     {"fail_rate": 0.2, "seed": 7, "lose": ["CreateRole"], "hang": {"CreateSecurityGroup": 3}}
   fail_rate: that share of requests is answered 503 before moto sees them
   (as AWS does under load; the SDK retries them). lose: the first request
   of each named operation is carried out, but its answer is replaced by a
   500 (a response lost after the request landed). hang: the named
   operation is carried out, then its answer is held back that many seconds
   (so a test can kill or interrupt the client at that point). An empty body
   clears all faults.

6. CloudTrail: moto records no events. Tests add them with
   POST /_fargate_stack/cloudtrail {"events": [<CloudTrail record>, ...]}
   (records as CloudTrail writes them: eventTime, eventName, userIdentity,
   requestParameters, responseElements); LookupEvents then returns those in
   its time window, as CloudTrail would.

7. ACM validation: moto issues a certificate MOTO_ACM_VALIDATION_WAIT
   seconds after the request (read once, at start; the harness starts it
   with 0). POST /_fargate_stack/acm {"validation_wait": N} changes it while
   the server runs, so a test can keep certificates pending. Moto never
   registers ECS service tasks in target groups; tests register targets
   themselves where they need target health.

8. Requests checked against AWS's API models (scripts/aws_models.py): with
   MOTO_REQUEST_CHECK=FILE, a request AWS would reject is answered 400
   ValidationException before moto sees it, and each broken rule, and each
   finding of the IAM policy linter on a policy the binary sent, is
   appended to FILE; the test harness fails the test when FILE is not empty.

9. Answers shaped like AWS's (scripts/aws_shapes.py): with MOTO_AWS_SHAPED=1,
   Describe/Get/List answers of ECS, EventBridge, Application Auto
   Scaling, CloudWatch Logs, SQS, WAFv2, ELBv2 and IAM carry the fields and
   defaults AWS fills in and moto leaves out (each cited there).

10. ECS Exec: moto has no ExecuteCommand; the launcher answers it with a
   session as AWS does, and gives running containers a runtimeId.
11. Service deployments: moto has no ListServiceDeployments or
   DescribeServiceDeployments; the launcher starts one on each CreateService
   and UpdateService and walks a blue/green, canary or linear one through
   ECS's stages, one per DescribeServiceDeployments call, to SUCCESSFUL (or,
   with the outcome `"rollout": "alarm"`, to ROLLBACK_SUCCESSFUL on that
   alarm once production traffic has moved).
12. CloudWatch in RPC v2 CBOR (scripts/cbor_bridge.py): aws-sdk-rust sends
   CloudWatch requests in CBOR, which moto 5.2.1 does not read; each is
   passed to moto as the same operation in JSON (a protocol AWS also
   serves for CloudWatch) and the answer turned back into CBOR by the
   operation's output shape. An error keeps AWS's code for the SDK (the
   `__type` and `x-amzn-query-error` of the query-compatible protocol), and
   ListTagsForResource of an alarm that does not exist answers
   ResourceNotFoundException, as AWS does (moto answers no tags).

Usage: moto_server.py [-H HOST] [-p PORT]   (moto's own flags)
       moto_server.py --fork-server          (the test harness: see fork_server)
"""

import io
import json
import os
import sys
import threading
import urllib.parse

import hashlib
import random
import time

from xml.sax.saxutils import escape as xml_escape

import moto.server as moto_server

import aws_models
import aws_shapes
import cbor_bridge

_log_lock = threading.Lock()
# moto's IAM and ECS backends are not safe under concurrent requests (a
# GetRolePolicy beside a PutRolePolicy on the threaded server sometimes
# answers 500; ECS reads a family's revisions with max() over the dict a
# RegisterTaskDefinition is adding to, and a DescribeTaskDefinition once
# answered moto's HTML error page): their requests are answered one at a
# time, as AWS's would be consistent.
SERIAL_SERVICES = ("iam", "ecs")
_serial_lock = threading.Lock()
_state_lock = threading.Lock()
OUTCOMES = {"tasks": {}, "services": {}}
TASKS = {}  # task arn -> {"family", "created", "stopped_at"}
SERVICE_EVENTS = {}  # service arn -> {"key": ..., "events": [...]}
MATERIALIZED = set()
DEPLOYMENT_CONFIG = {}  # (cluster, service, field) -> deploymentConfiguration or capacityProviderStrategy as sent
SERVICE_TASKS = {}  # service arn -> task arns kept RUNNING for it
TRAIL = []  # CloudTrail records added by tests
EXECUTED = []  # ExecuteCommand requests (ECS Exec)
SERVICE_DEPLOYMENTS = []  # service deployments (ECS's blue/green, canary, linear), oldest first
FAULTS = {"fail_rate": 0.0, "lose": set(), "hang": {}, "rng": random.Random(0)}

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
    # REST services (EFS, Route 53, S3) name the operation by method and
    # path: it is looked up in AWS's own model of the service, so the log
    # says which operation it was (ListResourceRecordSets, HeadBucket).
    method = environ.get("REQUEST_METHOD", "?")
    path = environ.get("PATH_INFO", "/")
    named = _rest_operation(_service_of(environ), method, path, environ.get("QUERY_STRING", ""))
    return named or "%s:%s" % (method, path)


_REST_ROUTES = {}


def _rest_routes(signing_name):
    """[(method, regex, required query keys, literal length, operation)] of
    the service whose models sign as `signing_name`, from botocore's models
    (the ones the AWS SDKs are generated from)."""
    if signing_name in _REST_ROUTES:
        return _REST_ROUTES[signing_name]
    import re

    routes = []
    for model in aws_models.models_for(signing_name):
        if model.metadata.get("protocol") not in ("rest-json", "rest-xml"):
            continue
        for op_name in model.operation_names:
            http = model.operation_model(op_name).http
            uri = http.get("requestUri", "/")
            template, _, query = uri.partition("?")
            keys = [q.split("=", 1)[0] for q in query.split("&") if q]
            literal = len(re.sub(r"\{[^}]+\}", "", template.rstrip("/") or "/"))
            routes.append((http.get("method"), aws_models.uri_regex(uri), keys, literal, op_name))
    _REST_ROUTES[signing_name] = routes
    return routes


def _rest_operation(signing_name, method, path, query_string):
    query = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    best = None
    for verb, regex, keys, literal, op in _rest_routes(signing_name):
        if verb != method or not regex.match(path) or any(k not in query for k in keys):
            continue
        rank = (len(keys), literal)
        if best is None or rank > best[0]:
            best = (rank, op)
    return best[1] if best else None


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


def _region_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 3:
            return scope[2]
    return "us-east-1"


def _backends(region):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ecs.models import ecs_backends
    from moto.logs.models import logs_backends

    return ecs_backends[DEFAULT_ACCOUNT_ID][region], logs_backends[DEFAULT_ACCOUNT_ID][region]


def _family_of(task_definition_arn):
    return task_definition_arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _image_digest(image_uri):
    """The digest an ECR image URI's tag points at now, if it is in moto's ECR."""
    try:
        from moto.ecr.models import ecr_backends

        host, path = image_uri.split("/", 1)
        parts = host.split(".")
        repo, _, tag = path.partition(":")
        images = ecr_backends[parts[0]][parts[3]].describe_images(repo, image_ids=[{"imageTag": tag or "latest"}])
        for image in images:
            return image.get_image_digest()
    except Exception:
        return None
    return None


def _task_info(ecs, task_definition_arn, now, **extra):
    td = ecs.describe_task_definition(task_definition_arn)
    image = td.container_definitions[0].get("image", "") if td.container_definitions else ""
    info = {"family": _family_of(task_definition_arn), "created": now, "task_definition": task_definition_arn,
            "cpu": td.cpu, "memory": td.memory, "digest": _image_digest(image)}
    info.update(extra)
    return info, td


def _on_run_task(doc, region):
    ecs, logs = _backends(region)
    now = time.time()
    for task in doc.get("tasks", []):
        arn = task["taskArn"]
        family = _family_of(task["taskDefinitionArn"])
        # The outcome is fixed when the task starts, as a container's would be.
        with _state_lock:
            outcome = dict(OUTCOMES["tasks"].get(family, {}))
        info, td = _task_info(ecs, task["taskDefinitionArn"], now, outcome=outcome)
        with _state_lock:
            TASKS.setdefault(arn, info)
        lines = outcome.get("log_lines") or []
        if not lines or not outcome.get("started", True):
            continue
        for container in td.container_definitions:
            options = (container.get("logConfiguration") or {}).get("options") or {}
            group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
            if not group or not prefix:
                continue
            stream = "%s/%s/%s" % (prefix, container["name"], arn.rsplit("/", 1)[-1])
            logs.ensure_log_stream(group, stream)
            base = int(now * 1000)
            logs.put_log_events(group, stream, [{"timestamp": base + i, "message": line} for i, line in enumerate(lines)])


def _on_describe_tasks(doc):
    now = time.time()
    for task in doc.get("tasks", []):
        arn = task["taskArn"]
        with _state_lock:
            info = TASKS.setdefault(arn, {"family": _family_of(task["taskDefinitionArn"]), "created": now})
            outcome = info.get("outcome", OUTCOMES["tasks"].get(info["family"], {}))
            if task.get("lastStatus") == "STOPPED":
                info.setdefault("stopped_at", now)
        started = outcome.get("started", True)
        task["createdAt"] = info["created"]
        for key in ("cpu", "memory"):
            if info.get(key) and not task.get(key):
                task[key] = str(info[key])
        last = task.get("lastStatus")
        containers = task.get("containers", [])
        for i, c in enumerate(containers):
            # ECS names each running container by a runtime id (ECS Exec's
            # target); moto has none.
            c.setdefault("runtimeId", "%s-%d" % (arn.rsplit("/", 1)[-1], i))
            if info.get("digest"):
                c["imageDigest"] = info["digest"]
        if info.get("pinned") and not task.get("stoppedReason"):
            task["lastStatus"], task["desiredStatus"] = "RUNNING", "RUNNING"
            task["startedAt"] = info["created"] + 1
            for c in containers:
                c["lastStatus"] = "RUNNING"
                c.pop("exitCode", None)
            continue
        if last != "STOPPED":
            if not started:
                task["lastStatus"] = "PENDING"
                for c in containers:
                    c["lastStatus"] = "PENDING"
                    c.pop("exitCode", None)
            else:
                task["startedAt"] = info["created"] + 1
                for c in containers:
                    c["lastStatus"] = "RUNNING"
                    c.pop("exitCode", None)
            continue
        user_stopped = bool(task.get("stoppedReason"))
        task["desiredStatus"] = "STOPPED"
        task["stoppedAt"] = info["stopped_at"]
        if started:
            task["startedAt"] = info["created"] + 1
            task["stopCode"] = outcome.get("stop_code", "UserInitiated" if user_stopped else "EssentialContainerExited")
            task["stoppedReason"] = task.get("stoppedReason") or outcome.get("stopped_reason", "Essential container in task exited")
            for c in containers:
                c["lastStatus"] = "STOPPED"
                c["exitCode"] = 137 if user_stopped and "exit_code" not in outcome else outcome.get("exit_code", 0)
        else:
            reason = outcome.get("stopped_reason", "CannotPullContainerError: pull image manifest has been retried 5 time(s)")
            task["stopCode"] = outcome.get("stop_code", "TaskFailedToStart")
            task["stoppedReason"] = task.get("stoppedReason") or reason
            for c in containers:
                c["lastStatus"] = "STOPPED"
                c.pop("exitCode", None)
                c["reason"] = reason


def _event(service_name, message, when, salt=""):
    eid = hashlib.md5(("%s|%s|%s|%s" % (service_name, message, when, salt)).encode()).hexdigest()
    return {"id": "%s-%s-%s-%s-%s" % (eid[:8], eid[8:12], eid[12:16], eid[16:20], eid[20:32]), "createdAt": when, "message": message}


# What moto 5.2.1 drops from CreateService/UpdateService and the launcher
# keeps: ECS's deployment settings, Fargate Spot's strategy, the grace
# period, and ECS Exec's switch.
SERVICE_FIELDS = ("deploymentConfiguration", "capacityProviderStrategy",
                  "healthCheckGracePeriodSeconds", "enableExecuteCommand")


def _remember_deployment_config(body):
    # moto 5.2.1 drops CreateService's deploymentConfiguration; keep it here.
    try:
        req = json.loads(body or b"{}")
    except ValueError:
        return
    cluster = (req.get("cluster") or "default").rsplit("/", 1)[-1]
    # ... and its capacityProviderStrategy (Fargate Spot): kept, and the
    # launch type left out as ECS does when a strategy is given; and its
    # healthCheckGracePeriodSeconds (services behind a load balancer).
    # UpdateService names it `service` (a name or an ARN).
    name = req.get("serviceName") or (req.get("service") or "").rsplit("/", 1)[-1]
    for field in SERVICE_FIELDS:
        if field in req:
            with _state_lock:
                DEPLOYMENT_CONFIG[(cluster, name, field)] = req[field]


def _add_deployment_config(svc):
    key = (svc.get("clusterArn", "").rsplit("/", 1)[-1], svc.get("serviceName"))
    for field in SERVICE_FIELDS:
        with _state_lock:
            remembered = DEPLOYMENT_CONFIG.get(key + (field,))
        if not svc.get(field) and remembered is not None:
            svc[field] = remembered
            if field == "capacityProviderStrategy":
                svc.pop("launchType", None)


def _on_describe_services(doc, region):
    for svc in doc.get("services", []):
        _add_deployment_config(svc)
        name = svc["serviceName"]
        with _state_lock:
            outcome = OUTCOMES["services"].get(name, {"rollout": "stable"})
        deployments = svc.get("deployments") or []
        if not deployments:
            continue
        primary = dict(deployments[0])
        desired = svc.get("desiredCount", 0)
        primary["taskDefinition"] = svc.get("taskDefinition", primary.get("taskDefinition"))
        primary["desiredCount"] = desired
        key = (primary.get("id"), desired, primary["taskDefinition"], outcome.get("rollout"))
        when = primary.get("updatedAt") or time.time()
        with _state_lock:
            state = SERVICE_EVENTS.setdefault(svc["serviceArn"], {"key": None, "events": []})
            new_events = []
            if state["key"] != key:
                state["key"] = key
                when = max(when, time.time())
                if outcome.get("rollout") == "failed":
                    new_events = [
                        _event(name, "(service %s) has started 1 tasks: (task %s)." % (name, primary.get("id", "")[-8:]), when),
                        _event(name, "(service %s) (deployment %s) deployment failed: tasks failed to start." % (name, primary.get("id")), when + 0.001),
                        _event(name, "(service %s) (deployment %s) deployment circuit breaker: rolling back." % (name, primary.get("id")), when + 0.002),
                    ]
                else:
                    if desired:
                        new_events.append(_event(name, "(service %s) has started %d tasks." % (name, desired), when))
                    new_events.append(_event(name, "(service %s) has reached a steady state." % name, when + 0.001))
                state["events"] = list(reversed(new_events)) + state["events"]
            svc["events"] = list(state["events"])
        if outcome.get("rollout") == "draining":
            # The new revision is out; the previous deployment's tasks are
            # still being drained (what `--wait-until deployed` need not wait for).
            primary.update({"rolloutState": "COMPLETED", "rolloutStateReason": "ECS deployment %s completed." % primary.get("id"),
                            "runningCount": desired, "pendingCount": 0, "failedTasks": 0})
            draining = dict(primary, id=primary.get("id", "") + "-previous", status="ACTIVE",
                            rolloutState="COMPLETED", desiredCount=0, runningCount=1,
                            taskDefinition=outcome.get("previous", primary["taskDefinition"]))
            svc["runningCount"], svc["pendingCount"] = desired + 1, 0
            svc["deployments"] = [primary, draining]
            continue
        if outcome.get("rollout") == "failed":
            primary.update({"rolloutState": "FAILED", "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
                            "runningCount": 0, "pendingCount": 0, "failedTasks": 1})
            svc["runningCount"], svc["pendingCount"] = 0, 0
            _materialize_failed_task(svc, outcome, region)
        else:
            primary.update({"rolloutState": "COMPLETED", "rolloutStateReason": "ECS deployment %s completed." % primary.get("id"),
                            "runningCount": desired, "pendingCount": 0, "failedTasks": 0})
            svc["runningCount"], svc["pendingCount"] = desired, 0
            _keep_service_tasks(svc, desired if svc.get("status") == "ACTIVE" else 0, region)
        svc["deployments"] = [primary]


def _keep_service_tasks(svc, desired, region):
    """A completed deployment: `desired` RUNNING tasks of the current revision."""
    ecs, _ = _backends(region)
    cluster = svc["clusterArn"].rsplit("/", 1)[-1]
    name, td_arn = svc["serviceName"], svc["taskDefinition"]
    with _state_lock:
        current = list(SERVICE_TASKS.get(svc["serviceArn"], []))
        keep, retire = [], []
        for arn in current:
            if TASKS.get(arn, {}).get("task_definition") == td_arn and len(keep) < desired:
                keep.append(arn)
            else:
                retire.append(arn)
    for arn in retire:
        with _state_lock:
            TASKS[arn]["outcome"] = {"stop_code": "ServiceSchedulerInitiated", "exit_code": 0}
        ecs.stop_task(cluster, arn, "Task stopped by the deployment of %s" % td_arn.rsplit("/", 1)[-1])
    while len(keep) < desired:
        for t in ecs.run_task(cluster, td_arn, 1, None, "ecs-svc/" + name, None, "FARGATE",
                              svc.get("networkConfiguration"), group="service:" + name):
            info, _ = _task_info(ecs, td_arn, time.time(), pinned=True)
            with _state_lock:
                TASKS[t.task_arn] = info
            keep.append(t.task_arn)
    with _state_lock:
        SERVICE_TASKS[svc["serviceArn"]] = keep


def _materialize_failed_task(svc, outcome, region):
    """A failed rollout leaves a stopped task behind that says why."""
    key = (svc["serviceArn"], svc.get("deployments", [{}])[0].get("id"))
    with _state_lock:
        if key in MATERIALIZED:
            return
        MATERIALIZED.add(key)
    ecs, _ = _backends(region)
    cluster = svc["clusterArn"].rsplit("/", 1)[-1]
    tasks = ecs.run_task(cluster, svc["taskDefinition"], 1, None, "ecs-svc/" + svc["serviceName"], None, "FARGATE",
                         svc.get("networkConfiguration"), group="service:" + svc["serviceName"])
    reason = outcome.get("stopped_reason", "CannotPullContainerError: pull image manifest has been retried 5 time(s)")
    for t in tasks:
        with _state_lock:
            TASKS[t.task_arn] = {"family": _family_of(svc["taskDefinition"]), "created": time.time(),
                                 "outcome": {"started": False, "stopped_reason": reason}}
        ecs.stop_task(cluster, t.task_arn, reason)


def _json_response(start_response, status, doc, content_type="application/json"):
    payload = json.dumps(doc).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
    return [payload]


# Control endpoints: what the tests tell the emulator. Each takes the request's
# JSON object; a body that is not one, or lacks what the endpoint needs, is
# answered 400 with why.

def _set_outcome(req):
    with _state_lock:
        if "family" in req:
            OUTCOMES["tasks"][req.pop("family")] = req
        elif "service" in req:
            OUTCOMES["services"][req.pop("service")] = req
        else:
            raise ValueError('an outcome names a "family" or a "service"')


def _set_faults(req):
    with _state_lock:
        FAULTS["fail_rate"] = float(req.get("fail_rate", 0.0))
        FAULTS["lose"] = set(req.get("lose", []))
        FAULTS["hang"] = {op: float(secs) for op, secs in dict(req.get("hang", {})).items()}
        FAULTS["rng"] = random.Random(req.get("seed", 0))


def _set_acm(req):
    import moto.settings

    moto.settings.ACM_VALIDATION_WAIT = int(req.get("validation_wait", 0))


def _add_trail(req):
    import datetime

    records = [(datetime.datetime.fromisoformat(r["eventTime"].replace("Z", "+00:00")).timestamp(), r)
               for r in req.get("events", [])]
    with _state_lock:
        TRAIL.extend(records)


def _whoami(req):
    # The harness checks that the server answering on a port is the one it started.
    return {"pid": os.getpid()}


CONTROL = {
    "/_fargate_stack/pid": _whoami,
    "/_fargate_stack/outcome": _set_outcome,
    "/_fargate_stack/faults": _set_faults,
    "/_fargate_stack/acm": _set_acm,
    "/_fargate_stack/cloudtrail": _add_trail,
}


def _control(handler, body, start_response):
    try:
        req = json.loads(body or b"{}")
        if not isinstance(req, dict):
            raise ValueError("the body must be a JSON object")
        answer = handler(req) or {}
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return _json_response(start_response, "400 Bad Request", {"error": "%s: %s" % (type(e).__name__, e)})
    return _json_response(start_response, "200 OK", dict(answer, ok=True))


def _lookup_events(start_response, body):
    req = json.loads(body or b"{}")
    start, end = req.get("StartTime", 0), req.get("EndTime", 1e12)
    names = [a["AttributeValue"] for a in req.get("LookupAttributes", []) if a.get("AttributeKey") == "EventName"]
    with _state_lock:
        found = [(t, r) for t, r in TRAIL if start <= t <= end and (not names or r.get("eventName") in names)]
    events = [{
        "EventId": r.get("eventID", "%d" % i),
        "EventName": r.get("eventName"),
        "EventTime": t,
        "Username": r.get("userIdentity", {}).get("sessionContext", {}).get("sessionIssuer", {}).get("userName"),
        "CloudTrailEvent": json.dumps(r),
    } for i, (t, r) in enumerate(sorted(found, key=lambda x: -x[0]))]
    return _json_response(start_response, "200 OK", {"Events": events}, "application/x-amz-json-1.1")


def _execute_command(start_response, body):
    """ECS Exec's answer (moto has no ExecuteCommand): the session a client
    hands to the Session Manager plugin, as AWS answers it."""
    req = json.loads(body or b"{}")
    task = req.get("task", "")
    doc = {
        "clusterArn": req.get("cluster", ""),
        "containerName": req.get("container", ""),
        "interactive": req.get("interactive", True),
        "taskArn": task,
        "session": {
            "sessionId": "ecs-execute-command-%s" % hashlib.sha1(task.encode()).hexdigest()[:17],
            "streamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/session",
            "tokenValue": "emulated-token",
        },
    }
    with _log_lock:
        EXECUTED.append(req)
    return _json_response(start_response, "200 OK", doc, "application/x-amz-json-1.1")


# The stages ECS walks a blue/green, canary or linear deployment through
# (ServiceDeploymentLifecycleStage), one per DescribeServiceDeployments call.
SHIFTING_STAGES = ["SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]


def _start_service_deployment(svc, region):
    """A service deployment, as ECS starts one on CreateService and on an
    UpdateService (moto has none of ListServiceDeployments and
    DescribeServiceDeployments)."""
    if not svc.get("serviceArn"):
        return
    strategy = (svc.get("deploymentConfiguration") or {}).get("strategy", "ROLLING")
    with _state_lock:
        outcome = dict(OUTCOMES["services"].get(svc.get("serviceName"), {}))
        n = len(SERVICE_DEPLOYMENTS)
        SERVICE_DEPLOYMENTS.append({
            "serviceDeploymentArn": svc["serviceArn"].replace(":service/", ":service-deployment/") + "/sd%d" % n,
            "serviceArn": svc["serviceArn"], "clusterArn": svc.get("clusterArn"),
            "createdAt": time.time(), "startedAt": time.time(),
            "targetServiceRevisionArn": svc["serviceArn"].replace(":service/", ":service-revision/") + "/%d" % n,
            "strategy": strategy, "outcome": outcome, "step": 0,
            "deploymentConfiguration": svc.get("deploymentConfiguration") or {},
        })


def _service_deployment_view(d, advance):
    """The deployment as DescribeServiceDeployments answers; each call moves
    it one stage on (an outcome `{"rollout": "alarm", "alarm": NAME}` rolls
    it back once production traffic has moved)."""
    if advance and d["strategy"] != "ROLLING":
        d["step"] += 1
    stages = SHIFTING_STAGES if d["strategy"] != "ROLLING" else []
    alarm = d["outcome"].get("rollout") == "alarm"
    view = {k: v for k, v in d.items() if k not in ("strategy", "outcome", "step")}
    names = ((d["deploymentConfiguration"].get("alarms") or {}).get("alarmNames")) or []
    if d["step"] < len(stages) and not (alarm and d["step"] > 2):
        view.update({"status": "IN_PROGRESS", "lifecycleStage": stages[d["step"]]})
        if names:
            view["alarms"] = {"status": "MONITORING", "alarmNames": names, "triggeredAlarmNames": []}
    elif alarm:
        triggered = d["outcome"].get("alarm", names[0] if names else "alarm")
        view.update({"status": "ROLLBACK_SUCCESSFUL", "finishedAt": time.time(),
                     "statusReason": "Service deployment rolled back because the CloudWatch alarm %s is in ALARM state." % triggered,
                     "rollback": {"reason": "CloudWatch alarm %s" % triggered, "startedAt": time.time()},
                     "alarms": {"status": "TRIGGERED", "alarmNames": names or [triggered], "triggeredAlarmNames": [triggered]}})
    else:
        view.update({"status": "SUCCESSFUL", "finishedAt": time.time()})
        if names:
            view["alarms"] = {"status": "MONITORING_COMPLETE", "alarmNames": names, "triggeredAlarmNames": []}
    return view


def _service_deployments(start_response, operation, body):
    req = json.loads(body or b"{}")
    with _state_lock:
        if operation == "ListServiceDeployments":
            name = (req.get("service") or "").rsplit("/", 1)[-1]
            cluster = (req.get("cluster") or "default").rsplit("/", 1)[-1]
            found = [_service_deployment_view(d, False) for d in SERVICE_DEPLOYMENTS
                     if d["serviceArn"].endswith("/%s/%s" % (cluster, name))]
            keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt",
                    "finishedAt", "targetServiceRevisionArn", "status", "statusReason")
            doc = {"serviceDeployments": [{k: v[k] for k in keys if k in v} for v in reversed(found)]}
        else:
            wanted = req.get("serviceDeploymentArns") or []
            doc = {"serviceDeployments": [_service_deployment_view(d, True) for d in SERVICE_DEPLOYMENTS
                                          if d["serviceDeploymentArn"] in wanted], "failures": []}
    return _json_response(start_response, "200 OK", doc, "application/x-amz-json-1.1")


def _fault_response(environ, start_response, status, code, message="injected by the test launcher"):
    """An error in the shape of the service's protocol (JSON or XML)."""
    if "json" in environ.get("CONTENT_TYPE", ""):
        body = json.dumps({"__type": code, "message": message}).encode()
        ctype = "application/x-amz-json-1.1"
    else:
        kind = "Sender" if status.startswith("4") else "Receiver"
        body = ("<ErrorResponse><Error><Type>%s</Type><Code>%s</Code>"
                "<Message>%s</Message></Error>"
                "<RequestId>0</RequestId></ErrorResponse>" % (kind, code, xml_escape(message))).encode()
        ctype = "text/xml"
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def _missing_alarm(environ, body, account):
    """The name of the alarm a ListTagsForResource asks about when it does
    not exist: moto answers such a request with no tags, AWS with
    ResourceNotFoundException."""
    from moto.cloudwatch.models import cloudwatch_backends

    try:
        arn = json.loads(body or b"{}").get("ResourceARN", "")
    except ValueError:
        return None
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[5] != "alarm":
        return None
    alarms = cloudwatch_backends[account][_region_of(environ)].alarms
    return None if parts[6] in alarms else parts[6]


def _faults_for(operation):
    """(fail, lose, hang seconds) for one request; a lost answer is lost once."""
    with _state_lock:
        fail = FAULTS["rng"].random() < FAULTS["fail_rate"]
        lose = operation in FAULTS["lose"]
        FAULTS["lose"].discard(operation)
        return fail, lose, FAULTS["hang"].get(operation)


def _call_captured(app, environ):
    """moto's answer as (status, headers, payload), to be changed before it is sent."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, capture)
    try:
        payload = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured["status"], captured["headers"], payload


def _rewrite(service, operation, body, region, status, payload, shaped=False, account=None):
    """The one place moto's answers are changed: ECS's (see the module's
    doc) and, in the AWS-shaped mode, the defaults AWS fills in."""
    ok = status.startswith("200")
    if shaped and ok and service in aws_shapes.XML_SERVICES:
        return aws_shapes.shape_xml(service, operation, payload)
    if service != "ecs" and not shaped:
        return payload
    try:
        doc = json.loads(payload)
    except ValueError:
        return payload
    if not isinstance(doc, dict):
        return payload
    if service == "ecs" and ok:
        if operation == "RunTask":
            _on_run_task(doc, region)
        elif operation in ("DescribeTasks", "StopTask"):
            _on_describe_tasks(doc if operation == "DescribeTasks" else {"tasks": [doc.get("task", {})]})
        elif operation == "DescribeServices":
            _on_describe_services(doc, region)
        elif operation in ("CreateService", "UpdateService"):
            _remember_deployment_config(body)
            _add_deployment_config(doc.get("service", {}))
            _start_service_deployment(doc.get("service", {}), region)
    if shaped and ok:
        aws_shapes.shape_json(service, operation, doc, body, account)
    if service == "ecs":
        _fix_ecs_numbers(doc)
    return json.dumps(doc).encode()


class Middleware:
    def __init__(self, app):
        self.app = app
        self.call_log = os.environ.get("MOTO_CALL_LOG")
        self.request_check = os.environ.get("MOTO_REQUEST_CHECK")
        self.aws_shaped = os.environ.get("MOTO_AWS_SHAPED") == "1"
        self.account = os.environ.get("MOTO_ACCOUNT_ID", "123456789012")

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
        if cbor_bridge.is_cbor(environ):
            operation, body = cbor_bridge.to_json_request(environ, body)
            status, headers, payload = _call_captured(lambda e, s: self._serve(e, s, body), environ)
            headers, payload = cbor_bridge.to_cbor_answer(_service_of(environ), operation, status, headers, payload)
            start_response(status, headers)
            return [payload]
        return self._serve(environ, start_response, body)

    def _serve(self, environ, start_response, body):
        path = environ.get("PATH_INFO", "")
        if path in CONTROL:
            return _control(CONTROL[path], body, start_response)
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        service = _service_of(environ)
        operation = _operation_of(environ, body)
        if self.call_log:
            with _log_lock, open(self.call_log, "a") as f:
                f.write("%s %s\n" % (service, operation))
        if self.request_check:
            try:
                broken, linted = aws_models.check(service, operation, environ, body)
            except Exception:  # a bug in the checker: the test says so, moto still answers
                import traceback
                linted = ["launcher: checking %s %s failed: %s" % (
                    service, operation, traceback.format_exc().strip().replace("\n", " | "))]
                broken = []
            if linted or broken:
                with _log_lock, open(self.request_check, "a") as f:
                    f.write("".join(line + "\n" for line in linted + broken))
            if broken:
                code = "ValidationException" if "json" in environ.get("CONTENT_TYPE", "") else "ValidationError"
                message = "%d validation error(s) detected: %s" % (len(broken), "; ".join(broken))
                return _fault_response(environ, start_response, "400 Bad Request", code, message)
        if service == "monitoring" and operation == "ListTagsForResource":
            missing = _missing_alarm(environ, body, self.account)
            if missing:
                return _fault_response(environ, start_response, "404 Not Found", "ResourceNotFoundException",
                                       "Unknown alarm %s" % missing)
        if service == "cloudtrail" and operation == "LookupEvents":
            return _lookup_events(start_response, body)
        if service == "ecs" and operation == "ExecuteCommand":
            return _execute_command(start_response, body)
        if service == "ecs" and operation in ("ListServiceDeployments", "DescribeServiceDeployments"):
            return _service_deployments(start_response, operation, body)
        fail, lose, hang = _faults_for(operation)
        if fail:
            return _fault_response(environ, start_response, "503 Service Unavailable", "ServiceUnavailable")
        shaped = self.aws_shaped and service in aws_shapes.SERVICES
        serial = service in SERIAL_SERVICES
        if service != "ecs" and not (lose or hang or shaped or serial):
            return self.app(environ, start_response)
        if serial:
            with _serial_lock:
                status, headers, payload = _call_captured(self.app, environ)
        else:
            status, headers, payload = _call_captured(self.app, environ)
        payload = _rewrite(service, operation, body, _region_of(environ), status, payload,
                           shaped, self.account)
        if hang:
            time.sleep(hang)
        if lose:
            return _fault_response(environ, start_response, "500 Internal Server Error", "InternalFailure")
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(payload))))
        start_response(status, headers)
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


def _patch_listings():
    """ListTaskDefinitionFamilies honours `status` and ListServices leaves
    out deleted (INACTIVE) services, as ECS does (moto ignores both)."""
    from moto.ecs import models as ecs
    from moto.core.responses import ActionResult
    from moto.ecs import responses as ecs_responses

    backend_cls = ecs.EC2ContainerServiceBackend
    original_list_services = backend_cls.list_services

    def list_services(self, cluster_str, *args, **kwargs):
        arns = original_list_services(self, cluster_str, *args, **kwargs)
        gone = {s.arn for s in self.services.values() if s.status == "INACTIVE"}
        return [a for a in arns if a not in gone]

    backend_cls.list_services = list_services

    def list_task_definition_families(self):
        prefix = self._get_param("familyPrefix")
        status = self._get_param("status")
        families = []
        for family, revisions in self.ecs_backend.task_definitions.items():
            if prefix and not family.startswith(prefix):
                continue
            active = any(getattr(td, "status", "ACTIVE") == "ACTIVE" for td in revisions.values())
            if status == "ACTIVE" and not active:
                continue
            if status == "INACTIVE" and active:
                continue
            families.append(family)
        return ActionResult({"families": families})

    ecs_responses.EC2ContainerServiceResponse.list_task_definition_families = list_task_definition_families


def main():
    _patch_run_task()
    _patch_listings()
    original = moto_server.DomainDispatcherApplication

    def wrapped(*args, **kwargs):
        return Middleware(original(*args, **kwargs))

    moto_server.DomainDispatcherApplication = wrapped
    moto_server.main(sys.argv[1:])


def fork_server():
    """One server per request, forked from a process that already imported
    moto: importing it (EC2's zone and instance tables above all) costs about
    1.7 s of CPU, which the test suite would otherwise pay once per test.

    Reads one JSON line per server on stdin, {"env": {...}, "log": PATH},
    and answers {"pid": N, "port": N}. The listening socket is bound here,
    on a port the kernel picks, before the fork: no other process can take
    it between choosing and serving. Each server dies with this process
    (PR_SET_PDEATHSIG), and this process ends when its stdin closes, so no
    server outlives the test binary that asked for it.
    """
    import ctypes
    import signal
    import socket

    import moto.settings
    from werkzeug.serving import make_server

    _patch_run_task()
    _patch_listings()
    # The REST services' routes, read from botocore's models once, here.
    for signing_name in ("route53", "elasticfilesystem", "s3"):
        _rest_routes(signing_name)
    aws_models.preload()
    # Servers are reaped by the kernel; the tests stop them by pid.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    libc = ctypes.CDLL(None, use_errno=True)
    me = os.getpid()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        port = sock.getsockname()[1]
        pid = os.fork()
        if pid == 0:
            try:
                libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
                if os.getppid() != me:
                    os._exit(0)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.environ.update(req.get("env", {}))
                os.environ["MOTO_PORT"] = str(port)
                # moto reads this one at import, which happened before the fork.
                moto.settings.ACM_VALIDATION_WAIT = int(os.environ.get("MOTO_ACM_VALIDATION_WAIT", "60"))
                log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(log, 1)
                os.dup2(log, 2)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                app = moto_server.DomainDispatcherApplication(moto_server.create_backend_app)
                app.debug = True
                server = make_server("127.0.0.1", port, Middleware(app), threaded=True, fd=sock.fileno())
                server.serve_forever()
            finally:
                os._exit(1)
        sock.close()
        sys.stdout.write(json.dumps({"pid": pid, "port": port}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--fork-server"]:
        fork_server()
    else:
        main()
