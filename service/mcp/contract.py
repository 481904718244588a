"""The tools' schemas, generated from the API's contract (``openapi.yaml``) so the two cannot drift.

A tool is named after the API operation it carries (its ``operationId``).  Its input schema is:

* for a GET operation, an object whose properties are the operation's query and path parameters, each with the
  parameter's own schema and description; ``format`` and ``errors`` (forms of an HTTP answer) are left out;
* for a POST operation, the JSON request body's schema.

Its output schema is the JSON schema of the operation's 200 answer.  ``$ref`` to the contract's components
become ``$defs`` of the tool's schema (JSON Schema 2020-12, which OpenAPI 3.1 schemas are); the contract's
examples are kept (``examples``), so an assistant sees a working call.
"""
from __future__ import annotations

import copy
import functools
from importlib import resources

import yaml

COMPONENT_REF = "#/components/schemas/"
TRANSPORT_PARAMETERS = ("format", "errors", "ext")   # how the HTTP answer is written, not what it says
OPENAPI_ONLY_KEYWORDS = ("example", "xml", "externalDocs", "discriminator")


@functools.lru_cache(maxsize=1)
def contract() -> dict:
    """``openapi.yaml`` as shipped in the package."""
    text = resources.files("service").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def operation(operation_id: str) -> tuple[str, str, dict]:
    """The (path, method, operation) of an ``operationId``; a name the contract lacks is a ``KeyError``."""
    for path, item in contract()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method, op
    raise KeyError(f"openapi.yaml has no operation {operation_id!r}")


def input_schema(operation_id: str) -> dict:
    """The tool's input schema: the GET operation's parameters, or the POST operation's JSON body."""
    path, method, op = operation(operation_id)
    if method == "post":
        body = op["requestBody"]["content"]["application/json"]
        schema = copy.deepcopy(body["schema"])
        if "example" in body:
            schema["examples"] = [copy.deepcopy(body["example"])]
        return _with_defs(schema)
    parameters = [_resolved(p) for p in [*contract()["paths"][path].get("parameters", []), *op.get("parameters", [])]]
    properties, required = {}, []
    for parameter in parameters:
        if parameter["name"] in TRANSPORT_PARAMETERS:
            continue
        properties[parameter["name"]] = _parameter_schema(parameter)
        if parameter.get("required"):
            required.append(parameter["name"])
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return _with_defs(schema)


def output_schema(operation_id: str) -> dict:
    """The JSON schema of the operation's 200 answer, an object at the top (an ``allOf`` of objects is one)."""
    _, _, op = operation(operation_id)
    schema = _with_defs(copy.deepcopy(op["responses"]["200"]["content"]["application/json"]["schema"]))
    return {"type": "object", **schema}


def description(operation_id: str) -> str:
    """The operation's summary and description, as the contract words them."""
    _, _, op = operation(operation_id)
    return "\n\n".join(part.strip() for part in (op.get("summary"), op.get("description")) if part)


def _resolved(parameter: dict) -> dict:
    ref = parameter.get("$ref")
    if ref is None:
        return parameter
    name = ref.rsplit("/", 1)[1]
    return contract()["components"]["parameters"][name]


def _parameter_schema(parameter: dict) -> dict:
    schema = copy.deepcopy(parameter.get("schema", {}))
    if parameter.get("description"):
        schema["description"] = parameter["description"].strip()
    examples = [e["value"] for e in parameter.get("examples", {}).values() if "value" in e]
    if "example" in parameter:
        examples.insert(0, parameter["example"])
    if examples:
        schema["examples"] = examples
    return schema


def _with_defs(schema: dict) -> dict:
    """``schema`` with every component it reaches as ``$defs``, its refs pointing there.

    A schema that is only a reference is replaced by the component itself: a tool's schemas are objects at the
    top (``type: object`` with ``properties``), as MCP clients expect.
    """
    components = contract()["components"]["schemas"]
    if set(schema) <= {"$ref", "examples"} and schema.get("$ref", "").startswith(COMPONENT_REF):
        schema = {**copy.deepcopy(components[schema["$ref"][len(COMPONENT_REF):]]),
                  **({"examples": schema["examples"]} if "examples" in schema else {})}
    defs, pending = {}, _refs(schema)
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        defs[name] = _json_schema(copy.deepcopy(components[name]))
        pending |= _refs(components[name]) - defs.keys()
    schema = _json_schema(schema)
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    return schema


def _refs(node) -> set[str]:
    found, stack = set(), [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(COMPONENT_REF):
                found.add(ref[len(COMPONENT_REF):])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _json_schema(node):
    """An OpenAPI 3.1 schema as plain JSON Schema: refs to ``$defs``, ``example`` to ``examples``, and a list of
    types (``[string, number]``) as ``anyOf`` branches of one type each, the same set of values in the form every
    MCP host can map onto its model's function schema (the MCP Inspector's portability check asks for it)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, list):
            branches = [{"type": name} for name in value]
            if "anyOf" in node:
                out.setdefault("allOf", []).append({"anyOf": branches})
            else:
                out["anyOf"] = branches
        elif key == "$ref" and isinstance(value, str) and value.startswith(COMPONENT_REF):
            out[key] = "#/$defs/" + value[len(COMPONENT_REF):]
        elif key == "example":
            out.setdefault("examples", [value])
        elif key in OPENAPI_ONLY_KEYWORDS:
            continue
        elif key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
            out[key] = {name: _json_schema(sub) for name, sub in value.items()}
        else:
            out[key] = _json_schema(value)
    return out
