"""schemathesis against /api/v1/openapi.json with bearer tokens, bounded: no 5xx,
and every answer is one the API documents (status code, content type, schema);
data the schema forbids is refused; writes without credentials are 401/403.

Operations are driven with hypothesis directly (schemathesis' pytest plugin does
not run under this pytest), with both data the schema allows and data it
forbids, ten examples each (`DESA_SCHEMA_EXAMPLES=50` for a longer local hunt).
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
EXAMPLES = int(os.environ.get("DESA_SCHEMA_EXAMPLES", "10"))
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", ["clerk", "district"])
def test_api_answers_within_its_schema(app, make_token, role, mode):
    headers = {"Authorization": f"Bearer {make_token(role)}"}
    checks = CHECKS
    if mode is GenerationMode.NEGATIVE:
        checks = [*CHECKS, negative_data_rejection]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = []
    for operation in operations:

        @BOUNDED
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing of it can break the schema (`/verify/{token}` takes any text).
            assert mode is GenerationMode.NEGATIVE, operation.label
        except Exception as err:  # noqa: BLE001 - collected, reported together
            failures.append(f"{operation.label}: {str(err)[:600]}")
    assert failures == [], "\n\n".join(failures)
