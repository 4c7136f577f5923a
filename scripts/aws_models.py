"""Checks requests against AWS's published API models (botocore's
service-2.json, the models the AWS SDKs, aws-sdk-rust among them, are
generated from): required members, enum values, string, list and map
lengths, number ranges and patterns, plus the limits the models state only
in prose (PROSE, each with the page that states it).

moto accepts names and values AWS rejects; the launcher (moto_server.py)
runs every request through `violations` and answers a broken one as AWS
would, 400 ValidationException, so the test that sent it fails naming the
member, the rule and the value.

Requests are read back into the operation's input by its protocol: json
(the body), query and ec2 (the form, unflattened by the shape), rest-json
and rest-xml (URI labels, query string, headers and the body).
"""

import functools
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.session

# Signing name (from the request's credential scope) -> botocore service
# names: every AWS service the binary has an SDK client for.
SERVICES = {
    "acm": ["acm"],
    "application-autoscaling": ["application-autoscaling"],
    "cloudtrail": ["cloudtrail"],
    "ec2": ["ec2"],
    "ecr": ["ecr"],
    "ecs": ["ecs"],
    "elasticfilesystem": ["efs"],
    "elasticloadbalancing": ["elbv2", "elb"],
    "events": ["events"],
    "iam": ["iam"],
    "logs": ["logs"],
    "monitoring": ["cloudwatch"],
    "route53": ["route53"],
    "s3": ["s3"],
    "secretsmanager": ["secretsmanager"],
    "sqs": ["sqs"],
    "ssm": ["ssm"],
    "sts": ["sts"],
    "tagging": ["resourcegroupstaggingapi"],
    "wafv2": ["wafv2"],
}

_NAME_32 = (r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", "up to 32 letters, digits and hyphens, not starting or ending with a hyphen")
_ECS_NAME = (r"[A-Za-z0-9_-]{1,255}", "up to 255 letters, digits, hyphens and underscores")

# Limits AWS documents in prose only: (service, operation, member) ->
# (pattern the whole value must match, what it says, where AWS says it).
PROSE = {
    ("elasticloadbalancing", "CreateLoadBalancer", "Name"): _NAME_32 + (
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",),
    ("elasticloadbalancing", "CreateTargetGroup", "Name"): _NAME_32 + (
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",),
    ("sqs", "CreateQueue", "QueueName"): (
        r"[A-Za-z0-9_-]{1,75}(?:\.fifo)?|[A-Za-z0-9_-]{1,80}", "up to 80 letters, digits, hyphens and underscores",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"),
    ("s3", "CreateBucket", "Bucket"): (
        r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "3 to 63 lower-case letters, digits, dots and hyphens",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"),
    ("ecs", "RegisterTaskDefinition", "family"): _ECS_NAME + (
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html",),
    ("ecs", "RegisterTaskDefinition", "containerDefinitions[].name"): _ECS_NAME + (
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html",),
    ("ecs", "CreateService", "serviceName"): _ECS_NAME + (
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",),
    ("ecs", "CreateCluster", "clusterName"): _ECS_NAME + (
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",),
    ("ec2", "CreateSecurityGroup", "GroupName"): (
        r"(?!sg-)[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}", "up to 255 characters of a-z A-Z 0-9 and ._-:/()#,@[]+=&;{}!$*, not starting with sg-",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"),
    ("ec2", "CreateSecurityGroup", "Description"): (
        r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}", "up to 255 characters of a-z A-Z 0-9 and ._-:/()#,@[]+=&;{}!$*",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"),
}

_session = None
_models = {}
_patterns = {}
UNCHECKED_PATTERNS = set()


def _service_model(name):
    """botocore's model of a service, loaded once."""
    global _session
    if name not in _models:
        if _session is None:
            _session = botocore.session.get_session()
        _models[name] = _session.get_service_model(name)
    return _models[name]


def models_for(signing):
    """The models of the services that sign as `signing`."""
    return [_service_model(name) for name in SERVICES.get(signing, [])]


def _model(signing, form):
    """The service model a request is for (elbv2 and elb share a signing
    name: the query's Version tells them apart)."""
    candidates = models_for(signing)
    if not candidates:
        return None
    version = (form or {}).get("Version")
    for m in candidates:
        if len(candidates) == 1 or m.metadata.get("apiVersion") == version:
            return m
    return candidates[0]


def preload():
    """Loads every model and the policy linter's catalogue (the fork server
    does it once, before forking)."""
    for names in SERVICES.values():
        for name in names:
            _service_model(name)
    import parliament

    # Its catalogue of actions and resource types loads on first use.
    parliament.analyze_policy_string(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}')


# -- reading a request back into the operation's input ----------------------

def _form_name(name, shape, ec2):
    s = shape.serialization
    if ec2:
        if "queryName" in s:
            return s["queryName"]
        if "name" in s:
            return s["name"][0].upper() + s["name"][1:]
        return name[0].upper() + name[1:]
    return s.get("name", name)


def _from_form(shape, prefix, form, present, ec2):
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = _form_name(name, member, ec2)
            full = "%s.%s" % (prefix, key) if prefix else key
            if full in form or full in present:
                out[name] = _from_form(member, full, form, present, ec2)
        return out
    if t == "list":
        if form.get(prefix) == "":
            return []
        if ec2 or shape.serialization.get("flattened"):
            base = prefix
        else:
            base = "%s.%s" % (prefix, shape.member.serialization.get("name", "member"))
        items, i = [], 1
        while "%s.%d" % (base, i) in form or "%s.%d" % (base, i) in present:
            items.append(_from_form(shape.member, "%s.%d" % (base, i), form, present, ec2))
            i += 1
        return items
    if t == "map":
        base = prefix if shape.serialization.get("flattened") else prefix + ".entry"
        k_name = shape.key.serialization.get("name", "key")
        v_name = shape.value.serialization.get("name", "value")
        out, i = {}, 1
        while "%s.%d.%s" % (base, i, k_name) in form:
            out[form["%s.%d.%s" % (base, i, k_name)]] = _from_form(
                shape.value, "%s.%d.%s" % (base, i, v_name), form, present, ec2)
            i += 1
        return out
    return _scalar(shape, form.get(prefix))


def _scalar(shape, text):
    if text is None:
        return None
    t = shape.type_name
    try:
        if t in ("integer", "long"):
            return int(text)
        if t in ("float", "double"):
            return float(text)
    except ValueError:
        return text
    if t == "boolean":
        return text == "true" if isinstance(text, str) else bool(text)
    return text


def _from_json(shape, value):
    """A JSON document read by the shape (json keys may be renamed)."""
    if value is None:
        return None
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            if key in value:
                out[name] = _from_json(member, value[key])
        return out
    if t == "list" and isinstance(value, list):
        return [_from_json(shape.member, v) for v in value]
    if t == "map" and isinstance(value, dict):
        return {k: _from_json(shape.value, v) for k, v in value.items()}
    return value


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _from_xml(shape, el):
    t = shape.type_name
    if t == "structure":
        out = {}
        children = list(el)
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            if member.type_name == "list" and member.serialization.get("flattened"):
                found = [c for c in children if _local(c.tag) == key]
                if found:
                    out[name] = [_from_xml(member.member, c) for c in found]
                continue
            for c in children:
                if _local(c.tag) == key:
                    out[name] = _from_xml(member, c)
                    break
        return out
    if t == "list":
        return [_from_xml(shape.member, c) for c in el]
    if t == "map":
        out = {}
        for entry in el:
            kv = {_local(c.tag): c for c in entry}
            k = kv.get(shape.key.serialization.get("name", "key"))
            v = kv.get(shape.value.serialization.get("name", "value"))
            if k is not None and v is not None:
                out[k.text or ""] = _from_xml(shape.value, v)
        return out
    return _scalar(shape, el.text or "")


@functools.lru_cache(maxsize=None)
def uri_regex(template):
    """A request URI template (`/2013-04-01/hostedzone/{Id}/rrset/`) as a
    regex with a named group per label."""
    pattern = ""
    # A trailing slash is optional: the SDKs' Smithy models leave out some
    # that botocore's keep (Route 53's `/rrset/`).
    for part in re.split(r"(\{[^}]+\})", template.partition("?")[0].rstrip("/") or "/"):
        if part.startswith("{"):
            label = part.strip("{}+")
            group = re.sub(r"\W", "_", label)
            pattern += "(?P<%s>.+)" % group if part.endswith("+}") else "(?P<%s>[^/]+)" % group
        else:
            pattern += re.escape(part)
    return re.compile("^" + pattern + "/?$")


def _from_rest(op, environ, body):
    shape = op.input_shape
    if shape is None:
        return {}
    out = {}
    path = environ.get("PATH_INFO", "/")
    labels = {}
    m = uri_regex(op.http.get("requestUri", "/")).match(path)
    if m:
        labels = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    payload = shape.serialization.get("payload")
    body_members = {}
    for name, member in shape.members.items():
        where = member.serialization.get("location")
        key = member.serialization.get("name", name)
        if where == "uri":
            group = re.sub(r"\W", "_", key)
            if group in labels:
                out[name] = _scalar(member, labels[group])
        elif where == "querystring":
            if member.type_name == "list":
                if key in query:
                    out[name] = [_scalar(member.member, v) for v in query[key]]
            elif member.type_name != "map" and key in query:
                out[name] = _scalar(member, query[key][0])
        elif where == "header":
            value = environ.get("HTTP_" + key.upper().replace("-", "_"))
            if value is not None and member.type_name not in ("map", "list"):
                out[name] = _scalar(member, value)
        elif where is None:
            body_members[name] = member
    if not body:
        return out
    protocol = op.metadata["protocol"]
    if payload:
        member = shape.members[payload]
        if member.type_name == "structure":
            root = _xml_or_json(protocol, body)
            if root is not None:
                out[payload] = _from_xml(member, root) if protocol == "rest-xml" else _from_json(member, root)
        else:
            out[payload] = body.decode("utf-8", "replace")
        return out
    if protocol == "rest-json":
        doc = _xml_or_json(protocol, body)
        if isinstance(doc, dict):
            for name, member in body_members.items():
                key = member.serialization.get("name", name)
                if key in doc:
                    out[name] = _from_json(member, doc[key])
    else:
        root = _xml_or_json(protocol, body)
        if root is not None:
            for name, member in body_members.items():
                key = member.serialization.get("name", name)
                for c in root:
                    if _local(c.tag) == key:
                        out[name] = _from_xml(member, c)
    return out


def _xml_or_json(protocol, body):
    try:
        if protocol == "rest-xml":
            return ET.fromstring(body)
        return json.loads(body)
    except (ET.ParseError, ValueError):
        return None


def read(signing, operation, environ, body):
    """(operation model, the request read back as its input), or None when
    the service or operation is not one the models describe."""
    form = None
    ctype = environ.get("CONTENT_TYPE", "")
    if "x-www-form-urlencoded" in ctype:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(
            body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    model = _model(signing, form)
    if model is None or operation not in model.operation_names:
        return None
    op = model.operation_model(operation)
    shape = op.input_shape
    protocol = model.metadata["protocol"]
    if protocol in ("query", "ec2"):
        if shape is None or form is None:
            return op, {}
        present = set()
        for key in form:
            parts = key.split(".")
            for i in range(1, len(parts)):
                present.add(".".join(parts[:i]))
        return op, _from_form(shape, "", form, present, protocol == "ec2")
    # RPC v2 CBOR requests reach the check already read into JSON (cbor_bridge).
    if protocol in ("json", "smithy-rpc-v2-cbor"):
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            return op, {}
        return op, _from_json(shape, doc) if shape is not None else {}
    return op, _from_rest(op, environ, body)


# -- checking the input against the shape ------------------------------------

_JAVA_CLASSES = {
    r"\p{L}": "a-zA-Z\u00aa-\uffff",
    r"\p{Z}": " \u00a0\u2000-\u200b\u3000",
    r"\p{N}": "0-9",
    r"\p{M}": "\u0300-\u036f",
    r"\p{S}": "$+<=>^`|~",
    r"\p{P}": "!-#%-*,-/:;?@\\[-\\]_{}",
    r"\p{Alnum}": "a-zA-Z0-9",
    r"\p{Print}": "\\x20-\\x7e",
    r"\p{XDigit}": "0-9a-fA-F",
}


def _compile(pattern):
    if pattern in _patterns:
        return _patterns[pattern]
    translated, depth, i = "", 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            for java, py in _JAVA_CLASSES.items():
                if pattern.startswith(java, i):
                    translated += py if depth else "[%s]" % py
                    i += len(java)
                    break
            else:
                translated += pattern[i:i + 2]
                i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        translated += c
        i += 1
    try:
        compiled = re.compile(translated, re.DOTALL)
    except re.error:
        UNCHECKED_PATTERNS.add(pattern)
        compiled = None
    _patterns[pattern] = compiled
    return compiled


def _show(value):
    text = value if isinstance(value, str) else json.dumps(value)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _check(shape, value, path, found):
    if value is None:
        return
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if not isinstance(value, dict):
            return
        for req in shape.required_members:
            if value.get(req) is None:
                found.append("%s: required, missing" % _join(path, req))
        for name, v in value.items():
            member = shape.members.get(name)
            if member is not None:
                _check(member, v, _join(path, name), found)
        return
    if t in ("list", "map"):
        n = len(value)
        if "min" in meta and n < meta["min"]:
            found.append("%s: at least %s entries, has %d" % (path, meta["min"], n))
        if "max" in meta and n > meta["max"]:
            found.append("%s: at most %s entries, has %d" % (path, meta["max"], n))
        if t == "list":
            for i, v in enumerate(value):
                _check(shape.member, v, "%s[%d]" % (path, i), found)
        else:
            for k, v in value.items():
                _check(shape.key, k, "%s.key(%s)" % (path, k), found)
                _check(shape.value, v, "%s[%s]" % (path, k), found)
        return
    if t == "string":
        if not isinstance(value, str):
            return
        if "min" in meta and len(value) < meta["min"]:
            found.append("%s: length >= %s, value %s" % (path, meta["min"], _show(value)))
        if "max" in meta and len(value) > meta["max"]:
            found.append("%s: length <= %s, value %s has %d" % (path, meta["max"], _show(value), len(value)))
        if shape.enum and value not in shape.enum:
            allowed = ", ".join(shape.enum[:8]) + (", ..." if len(shape.enum) > 8 else "")
            found.append("%s: one of %s, value %s" % (path, allowed, _show(value)))
        if "pattern" in meta:
            compiled = _compile(meta["pattern"])
            if compiled is not None and not compiled.fullmatch(value):
                found.append("%s: pattern %s, value %s" % (path, meta["pattern"], _show(value)))
        return
    if t in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "min" in meta and value < meta["min"]:
            found.append("%s: >= %s, value %s" % (path, meta["min"], value))
        if "max" in meta and value > meta["max"]:
            found.append("%s: <= %s, value %s" % (path, meta["max"], value))
    if t == "blob" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            found.append("%s: length <= %s, has %d" % (path, meta["max"], len(value)))


def _join(path, name):
    return "%s.%s" % (path, name) if path else name


def _prose(signing, operation, params, found):
    for (service, op, member), (pattern, says, source) in PROSE.items():
        if service != signing or op != operation:
            continue
        values = [params.get(member)]
        if "[]." in member:
            outer, inner = member.split("[].", 1)
            values = [item.get(inner) for item in params.get(outer) or [] if isinstance(item, dict)]
        for value in values:
            if isinstance(value, str) and not re.fullmatch(pattern, value):
                found.append("%s: %s (%s), value %s" % (member, says, source, _show(value)))


def check(signing, operation, environ, body):
    """(violations, policy findings) of one request, read back once.

    Violations: every way the request breaks its operation's model, one
    line each ("ecs CreateService serviceName: ..."); a request for an
    operation the models do not have is one too. Findings: the policy
    linter's, on the policy documents the binary sends."""
    read_back = read(signing, operation, environ, body)
    if read_back is None:
        return ["%s %s: no such operation in AWS's models" % (signing, operation)], []
    op, params = read_back
    found = []
    if op.input_shape is not None:
        _check(op.input_shape, params, "", found)
    _prose(signing, operation, params, found)
    broken = ["%s %s %s" % (signing, operation, f) for f in found]
    return broken, _policy_findings(signing, operation, environ, params)


# -- IAM policy documents ------------------------------------------------------

# Where requests carry policy documents: (service, operation) -> [(member,
# kind)]. A trust policy names no resource (its principal is the subject).
POLICIES = {
    ("iam", "PutRolePolicy"): [("PolicyDocument", "identity")],
    ("iam", "CreatePolicy"): [("PolicyDocument", "identity")],
    ("iam", "CreatePolicyVersion"): [("PolicyDocument", "identity")],
    ("iam", "CreateRole"): [("AssumeRolePolicyDocument", "trust")],
    ("iam", "UpdateAssumeRolePolicy"): [("PolicyDocument", "trust")],
    ("s3", "PutBucketPolicy"): [("Policy", "resource")],
    ("sqs", "CreateQueue"): [("Attributes.Policy", "resource")],
    ("sqs", "SetQueueAttributes"): [("Attributes.Policy", "resource")],
}


def _member(params, path):
    for part in path.split("."):
        if not isinstance(params, dict):
            return None
        params = params.get(part)
    return params


def _policy_findings(signing, operation, environ, params):
    """Every finding of parliament (an IAM policy linter with IAM's action
    and resource catalogue) on the policy documents a request sends: an
    action that does not exist, a resource that does not match the action's
    resource types, `*` where the action takes a resource."""
    places = POLICIES.get((signing, operation))
    # Only the binary's (it names itself in the User-Agent): a test may put
    # a broad policy on purpose, to see the binary replace it.
    if not places or "app/fargate-stack" not in environ.get("HTTP_USER_AGENT", ""):
        return []
    import parliament

    found = []
    for member, kind in places:
        document = _member(params, member)
        if not isinstance(document, str):
            continue
        for f in parliament.analyze_policy_string(document).findings:
            if kind == "trust" and f.issue == "MALFORMED" and "Resource" in str(f.detail):
                continue
            detail = _without_elb_type_mixup(f, document)
            if not detail:
                continue
            found.append("policy %s %s %s: %s %s" % (signing, operation, member, f.issue, detail))
    return found


def _without_elb_type_mixup(finding, document):
    """parliament 1.6.4 wants an Application Load Balancer's listener or rule
    ARN (`listener/app/...`, `listener-rule/app/...`) to match the Network
    Load Balancer's format too: IAM lists both types for ModifyRule,
    ModifyListener, DeleteRule... and either one is enough. Those items are
    dropped when the document names the application type; the rest stays."""
    if finding.issue != "RESOURCE_MISMATCH" or not isinstance(finding.detail, list):
        return finding.detail
    kept = []
    for item in finding.detail:
        wanted = item.get("required_format", "") if isinstance(item, dict) else ""
        for kind in ("listener-rule", "listener"):
            if (":%s/net/" % kind) in wanted and (":%s/app/" % kind) in document:
                break
        else:
            kept.append(item)
    return kept
