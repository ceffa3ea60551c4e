"""The official Dapr Python SDK against parlance's gRPC API, with Dapr's echo vectors
(spec dapr-behaviour.md §3.5) and every conversation option the SDK offers."""

import json

import grpc
import pytest
from dapr.clients.exceptions import DaprGrpcError
from dapr.clients.grpc import conversation as conv
from google.protobuf.duration_pb2 import Duration
from google.protobuf.struct_pb2 import Struct


def alpha2_input(*messages, scrub_pii=None):
    return conv.ConversationInputAlpha2(messages=list(messages), scrub_pii=scrub_pii)


def only_choice(response):
    assert len(response.outputs) == 1
    assert len(response.outputs[0].choices) == 1
    return response.outputs[0].choices[0]


# ---- alpha1 -------------------------------------------------------------------------------


def test_alpha1_concatenates_inputs(client):
    inputs = [conv.ConversationInput('one', role='user'), conv.ConversationInput('two', role='user')]
    response = client.converse_alpha1('echo', inputs)
    assert [o.result for o in response.outputs] == ['one\ntwo']


def test_alpha1_temperature(client):
    response = client.converse_alpha1('echo', [conv.ConversationInput('warm')], temperature=0.7)
    assert response.outputs[0].result == 'warm'


def test_alpha1_scrub_pii_context_and_parameters(client):
    inputs = [conv.ConversationInput('my email is test@test.com', scrub_pii=True)]
    response = client.converse_alpha1(
        'echo',
        inputs,
        context_id='ctx-1',
        parameters={'max_tokens': 100, 'model': 'm', 'stream': False, 'top_p': 0.5},
        metadata={'k': 'v'},
    )
    assert response.context_id == 'ctx-1'
    assert response.outputs[0].result == 'my email is <EMAIL_ADDRESS>'
    echoed = response.outputs[0].parameters
    assert set(echoed) == {'max_tokens', 'model', 'stream', 'top_p'}
    assert echoed['max_tokens'].type_url.endswith('google.protobuf.Int32Value')


# ---- alpha2 -------------------------------------------------------------------------------


def test_alpha2_history(client):
    messages = [
        conv.create_system_message('be brief'),
        conv.create_user_message('hi'),
        conv.create_assistant_message('hello'),
    ]
    choice = only_choice(client.converse_alpha2('echo', [alpha2_input(*messages)]))
    assert choice.message.content == 'be brief\nhi\nhello'
    assert choice.finish_reason == 'stop'
    assert choice.index == 0


def test_alpha2_tools_are_called(client):
    tool = conv.ConversationTools(
        function=conv.ConversationToolsFunction(
            name='get_weather',
            description='Weather in a city',
            parameters={
                'type': 'object',
                'properties': {'location': {'type': 'string'}, 'unit': {'type': 'string'}},
                'required': ['location'],
            },
        )
    )
    response = client.converse_alpha2(
        'test-alpha2-echo',
        [alpha2_input(conv.create_user_message('weather in Paris?'))],
        tools=[tool],
        tool_choice='get_weather',
    )
    choice = only_choice(response)
    assert choice.finish_reason == 'tool_calls'
    assert choice.message.content == 'weather in Paris?'
    [call] = choice.message.tool_calls
    assert (call.id, call.function.name, call.function.arguments) == ('0', 'get_weather', 'location,unit')


def test_alpha2_tool_decorator(client):
    @conv.tool
    def shout(text: str) -> str:
        """Shout the text back."""
        return text.upper()

    tools = [t for t in conv.get_registered_tools() if t.function.name == 'shout']
    response = client.converse_alpha2(
        'echo', [alpha2_input(conv.create_user_message('call shout'))], tools=tools, tool_choice='auto'
    )
    [call] = only_choice(response).message.tool_calls
    assert call.function.name == 'shout'
    conv.unregister_tool('shout')


def test_alpha2_tool_results_round_trip(client):
    call = conv.ConversationToolCalls(
        id='call_1',
        function=conv.ConversationToolCallsOfFunction(name='get_weather', arguments='{"location": "Paris"}'),
    )
    assistant = conv.ConversationMessage(
        of_assistant=conv.ConversationMessageOfAssistant(
            content=[conv.ConversationMessageContent(text='checking')], tool_calls=[call]
        )
    )
    result = conv.create_tool_message('call_1', 'get_weather', {'temp': 20})
    response = client.converse_alpha2(
        'echo', [alpha2_input(conv.create_user_message('weather?'), assistant, result)]
    )
    choice = only_choice(response)
    expected = "weather?\nchecking\nTool Response for tool ID 'call_1' with name 'get_weather': "
    assert choice.message.content == expected + json.dumps({'temp': 20})
    [echoed] = choice.message.tool_calls
    assert json.loads(echoed.function.arguments) == {'location': 'Paris'}


def test_alpha2_scrub_pii_input_and_output(client):
    inp = alpha2_input(conv.create_user_message('my phone number is +2222222222'), scrub_pii=True)
    choice = only_choice(client.converse_alpha2('echo', [inp]))
    assert choice.message.content == 'my phone number is <PHONE_NUMBER>'
    inputs = [
        alpha2_input(conv.create_user_message('well hello there from 10.8.9.1')),
        alpha2_input(conv.create_user_message('well hello there, my email is test@test.com')),
    ]
    response = client.converse_alpha2('echo', inputs, scrub_pii=True)
    choice = only_choice(response)
    assert choice.message.content == 'well hello there from <IP>\nwell hello there, my email is <EMAIL_ADDRESS>'
    usage = response.outputs[0].usage
    assert (usage.completion_tokens, usage.prompt_tokens, usage.total_tokens) == (12, 12, 24)


def test_alpha2_every_option(client):
    schema = Struct()
    schema.update({'type': 'object', 'properties': {'result': {'type': 'string'}}, 'required': ['result']})
    response = client.converse_alpha2(
        'test-alpha2-echo',
        [alpha2_input(conv.create_user_message('well hello there'))],
        context_id='test-conversation-123',
        parameters={'max_tokens': 100, 'model': 'test-model'},
        metadata={'api_key': 'test-key', 'version': '1.0'},
        scrub_pii=True,
        temperature=0.7,
        response_format=schema,
        prompt_cache_retention=Duration(seconds=86400),
    )
    assert response.context_id == 'test-conversation-123'
    choice = only_choice(response)
    assert (choice.finish_reason, choice.message.content) == ('stop', 'well hello there')
    assert response.outputs[0].model is None
    usage = response.outputs[0].usage
    assert (usage.completion_tokens, usage.prompt_tokens, usage.total_tokens) == (3, 3, 6)


# ---- errors -------------------------------------------------------------------------------


def expect_error(code, message, call):
    with pytest.raises(DaprGrpcError) as info:
        call()
    assert info.value.code() == code
    assert info.value.details() == message


def test_errors_carry_daprs_codes_and_messages(client):
    hello = [alpha2_input(conv.create_user_message('hello'))]
    expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        'failed finding conversation component nope',
        lambda: client.converse_alpha2('nope', hello),
    )
    expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        'failed conversing with component echo: missing inputs in request',
        lambda: client.converse_alpha1('echo', []),
    )
    no_function = conv.ConversationMessage(
        of_assistant=conv.ConversationMessageOfAssistant(tool_calls=[conv.ConversationToolCalls(id='call_123')])
    )
    expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        'failed conversing with component echo: invalid params: tool types cannot be nil',
        lambda: client.converse_alpha2('echo', [alpha2_input(no_function)]),
    )
    other = conv.ConversationTools(function=conv.ConversationToolsFunction(name='other_tool'))
    expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        'failed conversing with component echo: invalid params: tool choice selected was not found. '
        "Must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used",
        lambda: client.converse_alpha2('echo', hello, tools=[other], tool_choice='missing_tool'),
    )
    expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        'failed conversing with component echo: invalid params: message type cannot be nil',
        lambda: client.converse_alpha2('echo', [alpha2_input(conv.ConversationMessage())]),
    )


# ---- metadata -----------------------------------------------------------------------------


def test_get_metadata(client):
    md = client.get_metadata()
    assert md.application_id == 'test-app'
    components = {(c.name, c.type, c.version) for c in md.registered_components}
    assert ('echo', 'conversation.echo', 'v1') in components
    assert ('test-alpha2-echo', 'conversation.echo', 'v1') in components
    assert 'daprRuntimeVersion' in md.extended_metadata
