"""The official OpenAI Python SDK's `responses` API, unchanged, against parlance's Responses
door (/v1/responses): plain and streamed responses, function tools and a
`function_call_output` round trip, structured output, `previous_response_id`, stored
responses, and errors as the SDK's exception classes — against echo and the OpenAI, Anthropic
and Bedrock components on the fake upstream (see conftest.py for how parlance is started)."""

import json

import openai
import pytest
from pydantic import BaseModel

UPSTREAMS = ['gpt', 'claude', 'nova']
EXEC = {
    'type': 'function',
    'name': 'exec_command',
    'description': 'Run a shell command',
    'parameters': {
        'type': 'object',
        'properties': {'cmd': {'type': 'string'}},
        'required': ['cmd'],
        'additionalProperties': False,
    },
    'strict': True,
}


def test_plain_response_against_echo(client):
    r = client.responses.create(model='echo', instructions='be brief', input='hello there')
    assert r.id.startswith('resp_')
    assert r.object == 'response' and r.status == 'completed'
    assert r.output_text == 'be brief\nhello there'
    assert r.output[0].type == 'message' and r.output[0].role == 'assistant'
    assert r.usage.input_tokens == 4 and r.usage.output_tokens == 4 and r.usage.total_tokens == 8
    assert r.model == 'echo'


@pytest.mark.parametrize('model', ['echo'] + UPSTREAMS)
def test_plain_response(client, model):
    r = client.responses.create(model=model, input=[{'role': 'user', 'content': 'hello there'}])
    assert 'hello there' in r.output_text
    assert r.status == 'completed'
    assert r.usage.input_tokens > 0


@pytest.mark.parametrize('model', ['echo'] + UPSTREAMS)
def test_streamed_response(client, model):
    stream = client.responses.create(model=model, input='one two three four', stream=True)
    events = list(stream)
    types = [e.type for e in events]
    assert types[:2] == ['response.created', 'response.in_progress']
    assert types[-1] == 'response.completed'
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = ''.join(e.delta for e in events if e.type == 'response.output_text.delta')
    assert 'one two three four' in text
    done = events[-1].response
    assert done.output_text == text
    assert done.usage.total_tokens > 0


def test_stream_helper_assembles_the_final_response(client):
    with client.responses.stream(model='gpt', input='one two three') as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert 'one two three' in final.output_text


@pytest.mark.parametrize('model', UPSTREAMS)
def test_function_call_and_its_output(client, model):
    r = client.responses.create(model=model, input='list the files', tools=[EXEC], tool_choice='required')
    calls = [o for o in r.output if o.type == 'function_call']
    assert len(calls) == 1, r.output
    call = calls[0]
    assert call.name == 'exec_command'
    assert isinstance(json.loads(call.arguments)['cmd'], str)
    history = [{'role': 'user', 'content': 'list the files'}, call.model_dump(exclude_none=True)]
    history.append({'type': 'function_call_output', 'call_id': call.call_id, 'output': 'a.txt b.txt'})
    r = client.responses.create(model=model, input=history, tools=[EXEC])
    assert r.status == 'completed'
    assert r.output_text


@pytest.mark.parametrize('model', UPSTREAMS)
def test_streamed_function_call(client, model):
    stream = client.responses.create(
        model=model,
        input='list the files',
        tools=[EXEC, {'type': 'web_search'}],
        tool_choice={'type': 'function', 'name': 'exec_command'},
        stream=True,
    )
    args, done = '', None
    for e in stream:
        if e.type == 'response.function_call_arguments.delta':
            args += e.delta
        if e.type == 'response.output_item.done' and e.item.type == 'function_call':
            done = e.item
    assert done is not None and done.name == 'exec_command'
    assert done.arguments == args
    assert isinstance(json.loads(args)['cmd'], str)


def test_previous_response_id_continues_the_conversation(client):
    first = client.responses.create(model='echo', input='alpha')
    second = client.responses.create(model='echo', input='beta', previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert second.output_text == 'alpha\nalpha\nbeta'
    got = client.responses.retrieve(second.id)
    assert got.id == second.id and got.output_text == second.output_text
    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)


def test_function_call_output_after_a_stored_call(client):
    first = client.responses.create(model='gpt', input='list the files', tools=[EXEC], tool_choice='required')
    call = next(o for o in first.output if o.type == 'function_call')
    r = client.responses.create(
        model='gpt',
        previous_response_id=first.id,
        tools=[EXEC],
        input=[{'type': 'function_call_output', 'call_id': call.call_id, 'output': 'a.txt'}],
    )
    assert r.status == 'completed' and r.output_text


def test_unknown_previous_response_is_a_bad_request(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.responses.create(model='echo', input='x', previous_response_id='resp_nope')
    assert e.value.code == 'previous_response_not_found'


def test_store_false_is_not_stored(client):
    r = client.responses.create(model='echo', input='x', store=False)
    assert r.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(r.id)


class Forecast(BaseModel):
    city: str
    days: int


@pytest.mark.parametrize('model', UPSTREAMS)
def test_structured_output(client, model):
    r = client.responses.parse(model=model, input='a forecast', text_format=Forecast)
    assert isinstance(r.output_parsed, Forecast)
    assert isinstance(r.output_parsed.city, str) and isinstance(r.output_parsed.days, int)


def test_max_output_tokens_is_incomplete(client):
    r = client.responses.create(model='echo', input='one two three four five', max_output_tokens=2)
    assert r.status == 'incomplete'
    assert r.incomplete_details.reason == 'max_output_tokens'
    assert r.output_text == 'one two'


def test_bad_request(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.responses.create(
            model='echo', input=[{'role': 'user', 'content': [{'type': 'input_image', 'image_url': 'x'}]}]
        )
    assert e.value.status_code == 400
    assert e.value.body['type'] == 'invalid_request_error'


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as e:
        client.responses.create(model='nope', input='x')
    assert e.value.code == 'model_not_found'


def test_rate_limit(client):
    with pytest.raises(openai.RateLimitError) as e:
        client.responses.create(model='limited', input='x')
    assert e.value.response.headers['retry-after'] == '1'


def test_upstream_failure_is_a_server_error(client):
    with pytest.raises(openai.InternalServerError) as e:
        client.responses.create(model='broken', input='x')
    assert e.value.status_code == 502


def test_authentication(token_url, token):
    from openai import OpenAI

    with OpenAI(base_url=token_url, api_key='wrong', max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError):
            bad.responses.create(model='echo', input='hi')
    with OpenAI(base_url=token_url, api_key=token, max_retries=0) as good:
        assert good.responses.create(model='echo', input='hi').output_text == 'hi'
