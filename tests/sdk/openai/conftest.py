"""Fixtures for the official OpenAI Python SDK against parlance's /v1 door.

The Rust test `crates/parlance/tests/sdk_openai.rs` starts parlance (echo, and the fake
upstream's OpenAI `gpt`, Anthropic `claude` and Bedrock `nova` components, plus `limited`
and `broken` whose fakes always answer 429 and 500) and a second parlance with an API token,
then sets PARLANCE_OPENAI_BASE_URL, PARLANCE_OPENAI_TOKEN_BASE_URL and PARLANCE_OPENAI_TOKEN.
"""

import os

import pytest

for var in ('PARLANCE_OPENAI_BASE_URL', 'PARLANCE_OPENAI_TOKEN_BASE_URL', 'PARLANCE_OPENAI_TOKEN'):
    if not os.environ.get(var):
        raise RuntimeError(f'{var} is not set: run these tests through ./scripts/test')


@pytest.fixture(scope='session')
def client():
    from openai import OpenAI

    # No retries of its own: every status is asserted as parlance sent it.
    with OpenAI(base_url=os.environ['PARLANCE_OPENAI_BASE_URL'], api_key='unused', max_retries=0) as c:
        yield c


@pytest.fixture(scope='session')
def token_url():
    return os.environ['PARLANCE_OPENAI_TOKEN_BASE_URL']


@pytest.fixture(scope='session')
def token():
    return os.environ['PARLANCE_OPENAI_TOKEN']
