"""schemathesis against /api/v1/openapi.json with a clerk's bearer token, bounded:
no 5xx, and every response matches the schema the API publishes.

Operations are driven with hypothesis directly (schemathesis' pytest plugin does
not run under this pytest), ten examples each.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDED = settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


def test_api_answers_within_its_schema(app, make_token):
    headers = {"Authorization": f"Bearer {make_token('clerk')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = []
    for operation in operations:

        @BOUNDED
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as err:  # noqa: BLE001 - collected, reported together
            failures.append(f"{operation.label}: {str(err)[:600]}")
    assert failures == [], "\n\n".join(failures)
