"""Answers shaped like AWS's (MOTO_AWS_SHAPED=1): moto leaves out fields and
defaults AWS fills into its Describe/Get/List answers. In this mode the
launcher adds them, so the convergence tests prove that the binary's diffs
ignore what AWS fills in and the config does not control. Each addition
names the page of AWS's API reference (or its documented example) that
shows the field in AWS's answer.

Only what is missing is added; a value moto sent is never changed. The
pages cited are under https://docs.aws.amazon.com/<service>/latest/APIReference/.
"""

import json
import xml.etree.ElementTree as ET

SERVICES = ("ecs", "events", "application-autoscaling", "logs", "wafv2", "sqs",
            "elasticloadbalancing", "iam")
XML_SERVICES = ("elasticloadbalancing", "iam")


def _fill(target, defaults):
    for key, value in defaults.items():
        if key not in target:
            target[key] = json.loads(json.dumps(value))


# -- JSON services --------------------------------------------------------

def _container(c):
    # AmazonECS: API_DescribeTaskDefinition.html, its example answer.
    _fill(c, {"cpu": 0, "essential": True, "environment": [], "mountPoints": [],
              "volumesFrom": [], "systemControls": []})
    for p in c.get("portMappings", []):
        # awsvpc: hostPort is the containerPort; protocol defaults to tcp
        # (API_PortMapping.html).
        _fill(p, {"protocol": "tcp", "hostPort": p.get("containerPort")})


def _task_definition(td, account):
    if not isinstance(td, dict):
        return
    _fill(td, {
        # API_TaskDefinition.html: compatibilities, requiresAttributes,
        # registeredAt/By, placementConstraints, volumes.
        "compatibilities": ["EC2", "FARGATE"],
        "requiresAttributes": [
            {"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"},
            {"name": "ecs.capability.execution-role-awslogs"},
            {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.19"},
            {"name": "ecs.capability.task-eni"},
        ],
        "registeredAt": 1733300000.0,
        "registeredBy": "arn:aws:iam::%s:user/deployer" % account,
        "placementConstraints": [],
        "volumes": [],
    })
    for c in td.get("containerDefinitions", []):
        _container(c)


def _service(svc):
    # API_Service.html (and the DescribeServices example answer).
    _fill(svc, {
        "platformVersion": "LATEST",
        "platformFamily": "Linux",
        "deploymentController": {"type": "ECS"},
        "schedulingStrategy": "REPLICA",
        "enableECSManagedTags": False,
        "propagateTags": "NONE",
        "enableExecuteCommand": False,
        "availabilityZoneRebalancing": "ENABLED",
        "placementConstraints": [],
        "placementStrategy": [],
    })
    dc = svc.get("deploymentConfiguration")
    if isinstance(dc, dict):
        # API_DeploymentConfiguration.html: strategy (2025) defaults to ROLLING.
        _fill(dc, {"strategy": "ROLLING", "bakeTimeInMinutes": 0})


def _cluster(c):
    # API_Cluster.html (DescribeClusters example answer).
    _fill(c, {"settings": [{"name": "containerInsights", "value": "disabled"}],
              "statistics": [], "capacityProviders": [], "defaultCapacityProviderStrategy": []})


def _ecs(operation, doc, account):
    if operation in ("DescribeTaskDefinition", "RegisterTaskDefinition"):
        _task_definition(doc.get("taskDefinition"), account)
    elif operation in ("DescribeServices",):
        for s in doc.get("services", []):
            _service(s)
    elif operation in ("CreateService", "UpdateService"):
        if isinstance(doc.get("service"), dict):
            _service(doc["service"])
    elif operation == "DescribeClusters":
        for c in doc.get("clusters", []):
            _cluster(c)


def _events(operation, doc, account):
    if operation == "DescribeRule":
        # API_DescribeRule.html: EventBusName and CreatedBy in every answer.
        _fill(doc, {"EventBusName": "default", "CreatedBy": account})
    elif operation == "ListTargetsByRule":
        for t in doc.get("Targets", []):
            ecs = t.get("EcsParameters")
            if isinstance(ecs, dict):
                # API_EcsParameters.html: TaskCount defaults to 1.
                _fill(ecs, {"TaskCount": 1, "EnableECSManagedTags": False,
                            "EnableExecuteCommand": False})


def _autoscaling(operation, doc, account):
    if operation == "DescribeScalingPolicies":
        for p in doc.get("ScalingPolicies", []):
            tt = p.get("TargetTrackingScalingPolicyConfiguration")
            if isinstance(tt, dict):
                # API_TargetTrackingScalingPolicyConfiguration.html:
                # DisableScaleIn defaults to false.
                _fill(tt, {"DisableScaleIn": False})
            # API_ScalingPolicy.html: the alarms target tracking creates.
            _fill(p, {"Alarms": [{
                "AlarmName": "TargetTracking-%s-AlarmHigh" % p.get("ResourceId", ""),
                "AlarmARN": "arn:aws:cloudwatch:us-east-1:%s:alarm:TargetTracking-high" % account}]})
    elif operation == "DescribeScalableTargets":
        for t in doc.get("ScalableTargets", []):
            # API_ScalableTarget.html: SuspendedState.
            _fill(t, {"SuspendedState": {"DynamicScalingInSuspended": False,
                                         "DynamicScalingOutSuspended": False,
                                         "ScheduledScalingSuspended": False}})


def _logs(operation, doc, account):
    if operation == "DescribeLogGroups":
        for g in doc.get("logGroups", []):
            # API_LogGroup.html.
            _fill(g, {"metricFilterCount": 0, "storedBytes": 0, "logGroupClass": "STANDARD",
                      "deletionProtectionEnabled": False})


def _sqs(operation, doc, body):
    if operation != "GetQueueAttributes":
        return
    try:
        asked = json.loads(body or b"{}").get("AttributeNames") or []
    except ValueError:
        asked = []
    if "All" not in asked:
        return
    # API_GetQueueAttributes.html: `All` returns these too; SSE-SQS is on
    # by default for new queues (since 2022).
    _fill(doc.setdefault("Attributes", {}), {
        "SqsManagedSseEnabled": "true",
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "CreatedTimestamp": "1733300000",
        "LastModifiedTimestamp": "1733300000",
    })


def _wafv2(operation, doc, account):
    if operation == "GetWebACL" and isinstance(doc.get("WebACL"), dict):
        acl = doc["WebACL"]
        # API_WebACL.html.
        _fill(acl, {"Capacity": 700, "ManagedByFirewallManager": False,
                    "RetrofittedByFirewallManager": False,
                    "LabelNamespace": "awswaf:%s:webacl:%s:" % (account, acl.get("Name", ""))})


def shape_json(service, operation, doc, body, account):
    handler = {
        "ecs": _ecs,
        "events": _events,
        "application-autoscaling": _autoscaling,
        "logs": _logs,
        "wafv2": _wafv2,
    }.get(service)
    if handler:
        handler(operation, doc, account)
    elif service == "sqs":
        _sqs(operation, doc, body)


# -- XML services (ELBv2, IAM) --------------------------------------------

def _add(parent, ns, name, text=None):
    if parent.find(ns + name) is not None:
        return None
    el = ET.SubElement(parent, ns + name)
    if text is not None:
        el.text = text
    return el


def _elbv2(operation, root, ns):
    if operation in ("DescribeTargetGroups", "CreateTargetGroup"):
        for tg in root.iter(ns + "member"):
            if tg.find(ns + "TargetGroupArn") is None:
                continue
            # API_TargetGroup.html.
            _add(tg, ns, "HealthCheckEnabled", "true")
            _add(tg, ns, "IpAddressType", "ipv4")
            _add(tg, ns, "ProtocolVersion", "HTTP1")
    elif operation in ("DescribeListeners", "CreateListener"):
        for listener in root.iter(ns + "member"):
            if listener.find(ns + "ListenerArn") is None:
                continue
            # API_Listener.html: MutualAuthentication (mode off) since 2023.
            ma = _add(listener, ns, "MutualAuthentication")
            if ma is not None:
                _add(ma, ns, "Mode", "off")
    elif operation == "DescribeLoadBalancers":
        for lb in root.iter(ns + "member"):
            if lb.find(ns + "LoadBalancerArn") is None:
                continue
            # API_LoadBalancer.html.
            _add(lb, ns, "IpAddressType", "ipv4")
            _add(lb, ns, "EnablePrefixForIpv6SourceNat", "off")


def _iam(operation, root, ns):
    if operation in ("GetRole", "CreateRole"):
        for role in root.iter(ns + "Role"):
            # API_Role.html: MaxSessionDuration defaults to 3600;
            # RoleLastUsed is always present.
            _add(role, ns, "MaxSessionDuration", "3600")
            _add(role, ns, "RoleLastUsed")


def shape_xml(service, operation, payload):
    handler = {"elasticloadbalancing": _elbv2, "iam": _iam}.get(service)
    if not handler:
        return payload
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return payload
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if ns:
        ET.register_namespace("", ns.strip("{}"))
    handler(operation, root, ns)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)

