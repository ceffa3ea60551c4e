"""Fixtures for the official Anthropic Python SDK against parlance's /v1/messages door.

The Rust test `crates/parlance/tests/sdk_anthropic.rs` starts parlance (echo, the fake
upstream's Anthropic `claude` component with `modelAliases: claude-*` and OpenAI `gpt`, plus
`limited` and `broken` whose fakes always answer 429 and 500) and a second parlance with an
API token, then sets PARLANCE_ANTHROPIC_BASE_URL, PARLANCE_ANTHROPIC_TOKEN_BASE_URL and
PARLANCE_ANTHROPIC_TOKEN.
"""

import os

import pytest

for var in ('PARLANCE_ANTHROPIC_BASE_URL', 'PARLANCE_ANTHROPIC_TOKEN_BASE_URL', 'PARLANCE_ANTHROPIC_TOKEN'):
    if not os.environ.get(var):
        raise RuntimeError(f'{var} is not set: run these tests through ./scripts/test')


@pytest.fixture(scope='session')
def client():
    from anthropic import Anthropic

    # No retries of its own: every status is asserted as parlance sent it.
    with Anthropic(base_url=os.environ['PARLANCE_ANTHROPIC_BASE_URL'], api_key='unused', max_retries=0) as c:
        yield c


@pytest.fixture(scope='session')
def token_url():
    return os.environ['PARLANCE_ANTHROPIC_TOKEN_BASE_URL']


@pytest.fixture(scope='session')
def token():
    return os.environ['PARLANCE_ANTHROPIC_TOKEN']
