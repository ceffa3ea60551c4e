"""The official OpenAI Python SDK, unchanged, against parlance's OpenAI-compatible door:
plain and streamed completions, tools and tool results, structured output, the SDK's
exception classes, and the model list — against echo and the OpenAI, Anthropic and Bedrock
components on the fake upstream."""

import json

import openai
import pytest

UPSTREAMS = ['gpt', 'claude', 'nova']
WEATHER = {
    'type': 'function',
    'function': {
        'name': 'get_weather',
        'description': 'Weather in a city',
        'parameters': {
            'type': 'object',
            'properties': {'city': {'type': 'string'}},
            'required': ['city'],
        },
    },
}


def test_plain_completion_against_echo(client):
    r = client.chat.completions.create(
        model='echo', messages=[{'role': 'system', 'content': 'be brief'}, {'role': 'user', 'content': 'hello there'}]
    )
    assert r.id.startswith('chatcmpl-')
    assert r.object == 'chat.completion'
    assert r.choices[0].message.role == 'assistant'
    assert r.choices[0].message.content == 'be brief\nhello there'
    assert r.choices[0].finish_reason == 'stop'
    assert r.usage.total_tokens == 8


def test_headers_are_readable_through_the_raw_response(client):
    raw = client.chat.completions.with_raw_response.create(model='echo', messages=[{'role': 'user', 'content': 'hi'}])
    assert raw.headers['x-parlance-component'] == 'echo'
    assert raw.headers['x-request-id']
    assert raw.parse().choices[0].message.content == 'hi'


@pytest.mark.parametrize('model', ['echo'] + UPSTREAMS)
def test_plain_completion(client, model):
    r = client.chat.completions.create(model=model, messages=[{'role': 'user', 'content': 'hello there'}])
    assert 'hello there' in r.choices[0].message.content
    assert r.choices[0].finish_reason == 'stop'
    assert r.usage.prompt_tokens > 0
    if model != 'echo':
        assert r.model != model, 'the resolved upstream model'


@pytest.mark.parametrize('model', ['echo'] + UPSTREAMS)
def test_streamed_completion_with_usage(client, model):
    stream = client.chat.completions.create(
        model=model,
        messages=[{'role': 'user', 'content': 'one two three four'}],
        stream=True,
        stream_options={'include_usage': True},
    )
    chunks = list(stream)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == 'assistant'
    text = ''.join(c.choices[0].delta.content or '' for c in chunks if c.choices)
    assert 'one two three four' in text
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ['stop']
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


@pytest.mark.parametrize('model', UPSTREAMS)
def test_tools_and_tool_results(client, model):
    messages = [{'role': 'user', 'content': 'What is the weather in Paris?'}]
    r = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER], tool_choice='required')
    choice = r.choices[0]
    assert choice.finish_reason == 'tool_calls'
    call = choice.message.tool_calls[0]
    assert call.type == 'function' and call.function.name == 'get_weather'
    assert isinstance(json.loads(call.function.arguments)['city'], str)
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({'role': 'tool', 'tool_call_id': call.id, 'content': 'sunny, 21 C'})
    r = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
    assert r.choices[0].finish_reason == 'stop'
    assert r.choices[0].message.content


@pytest.mark.parametrize('model', UPSTREAMS)
def test_streamed_tool_calls(client, model):
    stream = client.chat.completions.create(
        model=model,
        messages=[{'role': 'user', 'content': 'weather in Oslo?'}],
        tools=[WEATHER],
        tool_choice={'type': 'function', 'function': {'name': 'get_weather'}},
        stream=True,
    )
    name, args, ids = '', '', set()
    for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
            assert call.index == 0
            name += call.function.name or ''
            args += call.function.arguments or ''
            if call.id:
                ids.add(call.id)
    assert name == 'get_weather' and len(ids) == 1
    assert isinstance(json.loads(args)['city'], str)


@pytest.mark.parametrize('model', UPSTREAMS)
def test_structured_output(client, model):
    schema = {
        'type': 'object',
        'properties': {'city': {'type': 'string'}, 'days': {'type': 'integer'}},
        'required': ['city', 'days'],
        'additionalProperties': False,
    }
    r = client.chat.completions.create(
        model=model,
        messages=[{'role': 'user', 'content': 'a forecast'}],
        response_format={'type': 'json_schema', 'json_schema': {'name': 'forecast', 'schema': schema, 'strict': True}},
    )
    parsed = json.loads(r.choices[0].message.content)
    assert isinstance(parsed['city'], str) and isinstance(parsed['days'], int)


def test_bad_request(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model='echo', messages=[{'role': 'user', 'content': 'x'}], n=2)
    assert e.value.status_code == 400
    assert e.value.body['type'] == 'invalid_request_error' and e.value.body['param'] == 'n'


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model='nope', messages=[{'role': 'user', 'content': 'x'}])
    assert e.value.code == 'model_not_found'


def test_model_not_allowed(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model='gpt/o9-preview', messages=[{'role': 'user', 'content': 'x'}])
    assert e.value.code == 'model_not_allowed'


def test_allowed_model(client):
    r = client.chat.completions.create(model='gpt/gpt-4o', messages=[{'role': 'user', 'content': 'x'}])
    assert r.model == 'gpt-4o'


def test_rate_limit(client):
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model='limited', messages=[{'role': 'user', 'content': 'x'}])
    assert e.value.status_code == 429
    assert e.value.response.headers['retry-after'] == '1'


def test_upstream_failure_is_a_server_error(client):
    with pytest.raises(openai.InternalServerError) as e:
        client.chat.completions.create(model='broken', messages=[{'role': 'user', 'content': 'x'}])
    assert e.value.status_code == 502


def test_authentication(token_url, token):
    from openai import OpenAI

    with OpenAI(base_url=token_url, api_key='wrong', max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as e:
            bad.models.list()
        assert e.value.status_code == 401
    with OpenAI(base_url=token_url, api_key=token, max_retries=0) as good:
        r = good.chat.completions.create(model='echo', messages=[{'role': 'user', 'content': 'hi'}])
        assert r.choices[0].message.content == 'hi'


def test_models_list(client):
    ids = [m.id for m in client.models.list()]
    assert {'echo', 'gpt', 'gpt/gpt-4o', 'claude', 'nova'} <= set(ids)
    m = client.models.retrieve('gpt/gpt-4o')
    assert m.owned_by == 'conversation.openai'
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve('nope')
