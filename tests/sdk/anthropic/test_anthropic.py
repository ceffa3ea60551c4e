"""The official Anthropic Python SDK, unchanged, against parlance's Messages door: plain and
streamed messages, tools and tool results (streamed arguments intact), the SDK's exception
classes, count_tokens, the beta namespace (`?beta=true`) and model aliases — against echo
and the Anthropic and OpenAI components on the fake upstream."""

import anthropic
import pytest

# `claude-parlance-test` reaches the `claude` component through its modelAliases.
UPSTREAMS = ['claude', 'gpt', 'claude-parlance-test']
WEATHER = {
    'name': 'get_weather',
    'description': 'Weather in a city',
    'input_schema': {
        'type': 'object',
        'properties': {'city': {'type': 'string'}},
        'required': ['city'],
    },
}


def text_of(message):
    return ''.join(b.text for b in message.content if b.type == 'text')


def test_plain_message_against_echo(client):
    r = client.messages.create(
        model='echo', max_tokens=100, system='be brief', messages=[{'role': 'user', 'content': 'hello there'}]
    )
    assert r.id.startswith('msg_')
    assert r.type == 'message' and r.role == 'assistant'
    assert r.model == 'echo'
    assert text_of(r) == 'be brief\nhello there'
    assert r.stop_reason == 'end_turn'
    assert r.usage.input_tokens == 4 and r.usage.output_tokens == 4
    assert r._request_id.startswith('req_')


def test_headers_are_readable_through_the_raw_response(client):
    raw = client.messages.with_raw_response.create(
        model='echo', max_tokens=10, messages=[{'role': 'user', 'content': 'hi'}]
    )
    assert raw.headers['x-parlance-component'] == 'echo'
    assert raw.headers['request-id'].startswith('req_')
    assert text_of(raw.parse()) == 'hi'


@pytest.mark.parametrize('model', ['echo'] + UPSTREAMS)
def test_plain_message(client, model):
    r = client.messages.create(model=model, max_tokens=100, messages=[{'role': 'user', 'content': 'hello there'}])
    assert 'hello there' in text_of(r)
    assert r.stop_reason == 'end_turn'
    assert r.model == model, 'the name the client sent'
    if model != 'echo':
        assert r.usage.input_tokens > 0 and r.usage.output_tokens > 0


@pytest.mark.parametrize('model', ['echo'] + UPSTREAMS)
def test_streamed_message(client, model):
    with client.messages.stream(
        model=model, max_tokens=100, messages=[{'role': 'user', 'content': 'one two three four'}]
    ) as stream:
        text = ''.join(stream.text_stream)
        final = stream.get_final_message()
    assert 'one two three four' in text
    assert text_of(final) == text
    assert final.stop_reason == 'end_turn'
    assert final.model == model
    assert final.usage.output_tokens > 0


def test_raw_stream_events_in_order(client):
    events = list(
        client.messages.create(
            model='claude', max_tokens=50, stream=True, messages=[{'role': 'user', 'content': 'hi'}]
        )
    )
    kinds = [e.type for e in events]
    assert kinds[0] == 'message_start' and kinds[-1] == 'message_stop'
    assert 'content_block_start' in kinds and 'content_block_stop' in kinds
    assert kinds[-2] == 'message_delta'
    assert events[0].message.usage.input_tokens is not None


@pytest.mark.parametrize('model', UPSTREAMS)
def test_tools_and_tool_results(client, model):
    messages = [{'role': 'user', 'content': 'What is the weather in Paris?'}]
    r = client.messages.create(
        model=model, max_tokens=200, messages=messages, tools=[WEATHER], tool_choice={'type': 'any'}
    )
    assert r.stop_reason == 'tool_use'
    call = next(b for b in r.content if b.type == 'tool_use')
    assert call.name == 'get_weather' and isinstance(call.input['city'], str)
    messages.append({'role': 'assistant', 'content': r.content})
    messages.append(
        {'role': 'user', 'content': [{'type': 'tool_result', 'tool_use_id': call.id, 'content': 'sunny, 21 C'}]}
    )
    r = client.messages.create(model=model, max_tokens=200, messages=messages, tools=[WEATHER])
    assert r.stop_reason == 'end_turn'
    assert text_of(r)


@pytest.mark.parametrize('model', UPSTREAMS)
def test_streamed_tool_calls_keep_their_arguments(client, model):
    with client.messages.stream(
        model=model,
        max_tokens=200,
        messages=[{'role': 'user', 'content': 'weather in Oslo?'}],
        tools=[WEATHER],
        tool_choice={'type': 'tool', 'name': 'get_weather'},
    ) as stream:
        partial = ''.join(
            e.delta.partial_json
            for e in stream
            if e.type == 'content_block_delta' and e.delta.type == 'input_json_delta'
        )
        final = stream.get_final_message()
    call = next(b for b in final.content if b.type == 'tool_use')
    assert call.name == 'get_weather'
    assert isinstance(call.input['city'], str), f'arguments lost: {call.input!r} from {partial!r}'
    assert final.stop_reason == 'tool_use'


def test_beta_namespace_uses_the_beta_path(client):
    r = client.beta.messages.create(
        model='echo', max_tokens=10, messages=[{'role': 'user', 'content': 'beta hi'}], betas=['some-beta-2025-01-01']
    )
    assert text_of(r) == 'beta hi'


@pytest.mark.parametrize('model', ['echo', 'claude', 'claude-opus-4-1'])
def test_count_tokens(client, model):
    short = client.messages.count_tokens(model=model, messages=[{'role': 'user', 'content': 'hello world'}])
    long = client.messages.count_tokens(
        model=model,
        system='You are a careful assistant.',
        messages=[{'role': 'user', 'content': 'The quick brown fox jumps over the lazy dog. ' * 20}],
        tools=[WEATHER],
    )
    assert 0 < short.input_tokens < long.input_tokens
    assert client.beta.messages.count_tokens(model=model, messages=[{'role': 'user', 'content': 'hello world'}]).input_tokens == short.input_tokens


def test_bad_request(client):
    with pytest.raises(anthropic.BadRequestError) as e:
        client.messages.create(model='echo', max_tokens=0, messages=[{'role': 'user', 'content': 'hi'}])
    assert e.value.status_code == 400
    assert e.value.body['type'] == 'error'
    assert e.value.body['error']['type'] == 'invalid_request_error'


def test_unknown_model_is_not_found(client):
    with pytest.raises(anthropic.NotFoundError) as e:
        client.messages.create(model='no-such-model', max_tokens=10, messages=[{'role': 'user', 'content': 'hi'}])
    assert e.value.body['error']['type'] == 'not_found_error'


def test_model_not_allowed(client):
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(model='gpt/o1', max_tokens=10, messages=[{'role': 'user', 'content': 'hi'}])


def test_rate_limit(client):
    with pytest.raises(anthropic.RateLimitError) as e:
        client.messages.create(model='limited', max_tokens=10, messages=[{'role': 'user', 'content': 'hi'}])
    assert e.value.response.headers['retry-after'] == '1'
    assert e.value.body['error']['type'] == 'rate_limit_error'


def test_upstream_failure_is_a_server_error(client):
    with pytest.raises(anthropic.InternalServerError) as e:
        client.messages.create(model='broken', max_tokens=10, messages=[{'role': 'user', 'content': 'hi'}])
    assert e.value.status_code == 502
    assert e.value.body['error']['type'] == 'api_error'


def test_authentication(token_url, token):
    message = {'model': 'echo', 'max_tokens': 10, 'messages': [{'role': 'user', 'content': 'hi'}]}
    with anthropic.Anthropic(base_url=token_url, api_key='wrong', max_retries=0) as bad:
        with pytest.raises(anthropic.AuthenticationError) as e:
            bad.messages.create(**message)
        assert e.value.body['error']['type'] == 'authentication_error'
    with anthropic.Anthropic(base_url=token_url, api_key=token, max_retries=0) as good:
        assert text_of(good.messages.create(**message)) == 'hi'
    with anthropic.Anthropic(base_url=token_url, auth_token=token, max_retries=0) as bearer:
        assert text_of(bearer.messages.create(**message)) == 'hi'


def test_thinking_round_trips_with_its_signature(client):
    """Through the Anthropic component: the signed thinking block comes back (plain and
    streamed, the same block), is accepted when sent back, and a changed one is refused."""
    kwargs = dict(model='claude', max_tokens=2048, thinking={'type': 'enabled', 'budget_tokens': 1024})
    question = {'role': 'user', 'content': 'two and two'}
    first = client.beta.messages.create(messages=[question], betas=['interleaved-thinking-2025-05-14'], **kwargs)
    thought = first.content[0]
    assert thought.type == 'thinking' and thought.signature.startswith('fakesig_'), first
    with client.messages.stream(messages=[question], **kwargs) as s:
        streamed = s.get_final_message()
    assert streamed.content[0].thinking == thought.thinking
    assert streamed.content[0].signature == thought.signature
    history = [question, {'role': 'assistant', 'content': first.content}, {'role': 'user', 'content': 'and three'}]
    again = client.messages.create(messages=history, **kwargs)
    assert again.content[0].type == 'thinking'
    changed = {'type': 'thinking', 'thinking': 'something else', 'signature': thought.signature}
    history[1] = {'role': 'assistant', 'content': [changed, *first.content[1:]]}
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(messages=history, **kwargs)
