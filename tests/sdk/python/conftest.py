"""Shared fixtures: one DaprClient for the session, pointed at parlance by the test runner.

The Rust test `crates/parlance/tests/sdk_python.rs` starts parlance with the echo components
(`echo`, `test-alpha2-echo`, app id `test-app`) and sets DAPR_HTTP_PORT / DAPR_GRPC_PORT.
"""

import os

import pytest

for var in ('DAPR_HTTP_PORT', 'DAPR_GRPC_PORT'):
    if not os.environ.get(var):
        raise RuntimeError(f'{var} is not set: run these tests through ./scripts/test')

os.environ.setdefault('DAPR_HEALTH_TIMEOUT', '10')


@pytest.fixture(scope='session')
def client():
    # Construction polls GET /v1.0/healthz/outbound on the HTTP port before anything else.
    from dapr.clients import DaprClient

    with DaprClient() as c:
        yield c
