"""The contract: openapi.yaml is valid, and schemathesis finds no server error
and no response that breaks it.  (Every response of the other API tests is
validated against it too, by the ``client`` fixture.)"""
import re

import pytest
import schemathesis
from conftest import CONTRACT, shipped_tables
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.web.app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_openapi_yaml_is_a_valid_openapi_document():
    spec, _ = read_from_filename(str(CONTRACT))
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_the_app_serves_every_documented_path(app):
    """Every path of the contract is routed, and every route is in the contract."""
    spec, _ = read_from_filename(str(CONTRACT))
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<any\([^)]*\):ext>", "{ext}", rule.rule)
        path = re.sub(r"<(?:path:)?(measure_id|template_id)>", "{id}", path)
        routed.add(path.replace("<code>", "{code}"))
    assert routed == set(spec["paths"])


# The schema is loaded from the app itself, over WSGI, in process.
schema = schemathesis.openapi.from_wsgi("/openapi.yaml", create_app(shipped_tables()))


@pytest.mark.slow  # property-based: 40 generated requests per operation
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_finds_no_server_error_and_no_contract_violation(case):
    case.call_and_validate(checks=CHECKS)
