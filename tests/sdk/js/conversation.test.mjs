// The official Dapr JavaScript SDK (@dapr/dapr) against parlance. Its current release has no
// high-level conversation methods, so the conversation calls go through the SDK's own gRPC
// client (`daprClient.getClient()`, its bundled Dapr stubs); start-up, health and metadata use
// the SDK's public API over both protocols. Ports come from DAPR_HTTP_PORT / DAPR_GRPC_PORT,
// set by crates/parlance/tests/sdk_js.rs.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { CommunicationProtocolEnum, DaprClient, LogLevel } from "@dapr/dapr";

const HTTP_PORT = process.env.DAPR_HTTP_PORT;
const GRPC_PORT = process.env.DAPR_GRPC_PORT;
if (!HTTP_PORT || !GRPC_PORT) {
  throw new Error("DAPR_HTTP_PORT / DAPR_GRPC_PORT are not set: run these tests through ./scripts/test");
}

const logger = { level: LogLevel.Error };

function user(text) {
  return { messageTypes: { case: "ofUser", value: { content: [{ text }] } } };
}

describe("gRPC client", () => {
  let client;
  let stub;

  before(async () => {
    client = new DaprClient({
      daprHost: "127.0.0.1",
      daprPort: GRPC_PORT,
      communicationProtocol: CommunicationProtocolEnum.GRPC,
      logger,
    });
    await client.start(); // waits for gRPC GetMetadata
    stub = await client.daprClient.getClient();
  });

  after(async () => {
    await client.stop();
  });

  test("health and metadata", async () => {
    assert.equal(await client.health.isHealthy(), true);
    const md = await client.metadata.get();
    assert.equal(md.id, "test-app");
    const names = md.components.map((c) => `${c.name}/${c.type}/${c.version}`);
    assert.ok(names.includes("echo/conversation.echo/v1"), names.join(","));
  });

  test("converseAlpha1 echoes and scrubs", async () => {
    const res = await stub.converseAlpha1({
      name: "echo",
      contextID: "ctx-js",
      inputs: [
        { content: "well hello there from 10.8.9.1", role: "user" },
        { content: "my email is test@test.com" },
      ],
      scrubPII: true,
    });
    assert.equal(res.contextID, "ctx-js");
    assert.deepEqual(
      res.outputs.map((o) => o.result),
      ["well hello there from <IP>\nmy email is <EMAIL_ADDRESS>"],
    );
  });

  test("converseAlpha2 with history, tools and tool choice", async () => {
    const res = await stub.converseAlpha2({
      name: "test-alpha2-echo",
      contextId: "ctx-2",
      inputs: [
        {
          messages: [
            { messageTypes: { case: "ofSystem", value: { content: [{ text: "be brief" }] } } },
            user("weather in Paris?"),
          ],
        },
      ],
      temperature: 0.2,
      tools: [
        {
          toolTypes: {
            case: "function",
            value: {
              name: "get_weather",
              description: "Weather in a city",
              parameters: { type: "object", properties: { location: { type: "string" } } },
            },
          },
        },
      ],
      toolChoice: "auto",
    });
    assert.equal(res.contextId, "ctx-2");
    assert.equal(res.outputs.length, 1);
    const [choice] = res.outputs[0].choices;
    assert.equal(choice.finishReason, "tool_calls");
    assert.equal(choice.message.content, "be brief\nweather in Paris?");
    const [call] = choice.message.toolCalls;
    assert.equal(call.id, "0");
    assert.equal(call.toolTypes.case, "function");
    assert.equal(call.toolTypes.value.name, "get_weather");
    assert.equal(call.toolTypes.value.arguments, "location");
  });

  test("converseAlpha2 tool results", async () => {
    const res = await stub.converseAlpha2({
      name: "echo",
      inputs: [
        {
          messages: [
            {
              messageTypes: {
                case: "ofTool",
                value: { toolId: "tool-123", name: "tool name", content: [{ text: "tool message" }] },
              },
            },
          ],
        },
      ],
    });
    assert.equal(
      res.outputs[0].choices[0].message.content,
      "Tool Response for tool ID 'tool-123' with name 'tool name': tool message",
    );
  });

  test("errors carry Dapr's code and message", async () => {
    await assert.rejects(stub.converseAlpha2({ name: "nope", inputs: [{ messages: [user("hi")] }] }), (e) => {
      assert.equal(e.code, 3); // InvalidArgument
      assert.equal(e.rawMessage, "failed finding conversation component nope");
      return true;
    });
    await assert.rejects(
      stub.converseAlpha2({ name: "echo", inputs: [{ messages: [{ messageTypes: { case: undefined } }] }] }),
      (e) => {
        assert.equal(e.code, 3);
        assert.equal(e.rawMessage, "failed conversing with component echo: invalid params: message type cannot be nil");
        return true;
      },
    );
  });
});

describe("HTTP client", () => {
  test("starts (waits for /v1.0/metadata) and reads metadata", async () => {
    const client = new DaprClient({
      daprHost: "127.0.0.1",
      daprPort: HTTP_PORT,
      communicationProtocol: CommunicationProtocolEnum.HTTP,
      logger,
    });
    await client.start();
    assert.equal(await client.health.isHealthy(), true);
    const md = await client.metadata.get();
    assert.equal(md.id, "test-app");
    assert.ok(md.components.some((c) => c.name === "test-alpha2-echo"));
    await client.stop();
  });
});
