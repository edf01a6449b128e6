import Foundation
import LiteLLM
import ProviderFakes
import Synchronization
import Testing

@Suite("Tool loop: offer tools, run the calls, send the results, until an answer", .serialized)
struct ToolLoopTests {
    /// A tool that records the arguments of each call and answers with a numbered result.
    final class Weather: ChatTool {
        let calls = Mutex<[JSONValue]>([])
        var definition: Tool {
            FunctionTool(name: "get_weather", description: "The weather in a city",
                         parameters: .object(["city": .string]), body: { _ in "" }).definition
        }
        func call(arguments: JSONValue) async throws -> String {
            let count = calls.withLock { calls in
                calls.append(arguments)
                return calls.count
            }
            return "sunny \(count)"
        }
    }

    @Test func toolResultGoesBackAndTheModelAnswersFromIt() async throws {
        try await withProvider { client, server in
            let tool = Weather()
            let events = Mutex<[String]>([])
            let loop = ToolLoop(onEvent: { event in
                let line = switch event {
                case .calling(let call): "calling \(call.function.name)"
                case .finished(_, let result, let failed): "finished \(result) \(failed)"
                case .skipped(_, let reason): "skipped \(reason)"
                }
                events.withLock { $0.append(line) }
            })
            let result = try await client.completeWithTools(ask("openai/tool-rounds-1", "Oslo"), tools: [tool], loop: loop,
                                                            settings: server.openAI)
            #expect(result.completion.text == "tool results: sunny 1")
            #expect(result.rounds == 1)
            #expect(tool.calls.withLock { $0 } == [["city": "Oslo"]])
            #expect(events.withLock { $0 } == ["calling get_weather", "finished sunny 1 false"])
            #expect(result.messages.map(\.role) == [.assistant, .tool, .assistant])
            #expect(result.messages[1].toolCallID == "call_round_0")

            // The second request carried the assistant's call and the tool message answering it (the fake checks
            // that and refuses a mismatch), and offered the tool.
            let requests = server.recordedRequests
            #expect(requests.count == 2)
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(requests[1].body))
            let messages = try #require(body["messages"]?.arrayValue)
            #expect(messages.last?["role"] == "tool")
            #expect(messages.last?["tool_call_id"] == "call_round_0")
            #expect(messages.last?["content"] == "sunny 1")
            #expect(body["tools"]?.arrayValue?.first?["function"]?["name"] == "get_weather")
        }
    }

    @Test func severalRoundsRunUpToTheCapAndNoFurther() async throws {
        try await withProvider { client, server in
            let tool = Weather()
            let three = try await client.completeWithTools(ask("openai/tool-rounds-3", "Rome"), tools: [tool],
                                                           loop: ToolLoop(maxRounds: 3), settings: server.openAI)
            #expect(three.rounds == 3)
            #expect(three.completion.text == "tool results: sunny 1 | sunny 2 | sunny 3")
            #expect(three.usage?.completionTokens ?? 0 > three.completion.usage?.completionTokens ?? 0,
                    "usage adds up the four calls")
            #expect(three.usage?.totalTokens == (three.usage?.promptTokens ?? 0) + (three.usage?.completionTokens ?? 0))

            let error = await #expect(throws: ToolLoopError.self) {
                try await client.completeWithTools(ask("openai/tool-rounds-3", "Rome"), tools: [Weather()],
                                                   loop: ToolLoop(maxRounds: 2), settings: server.openAI)
            }
            #expect(error?.code == .tooManyRounds)
            #expect(error?.message.contains("after 2 rounds") == true)
            #expect(error?.messages.filter { $0.role == .tool }.count == 2)
        }
    }

    @Test func declinedAndFailingCallsAreToldToTheModel() async throws {
        try await withProvider { client, server in
            let declined = try await client.completeWithTools(
                ask("openai/tool-rounds-1", "Oslo"), tools: [Weather()],
                loop: ToolLoop(approve: { _ in .decline("the user said no") }), settings: server.openAI)
            #expect(declined.completion.text == "tool results: declined: the user said no")

            struct Broken: Error, CustomStringConvertible { var description: String { "the weather service is down" } }
            let failing = FunctionTool(name: "get_weather", description: "fails", parameters: .object(["city": .string])) { _ in
                throw Broken()
            }
            let failed = try await client.completeWithTools(ask("openai/tool-rounds-1", "Oslo"), tools: [failing],
                                                            settings: server.openAI)
            #expect(failed.completion.text == "tool results: error: the weather service is down")
        }
    }

    @Test func fakeRefusesAToolResultThatAnswersNoCall() async throws {
        try await withProvider { client, server in
            let request = ChatCompletionRequest(model: "openai/tool-rounds-1", messages: [
                .user("Oslo"),
                ChatMessage(role: .assistant, content: nil, toolCalls: [ToolCall(id: "call_a", name: "get_weather", arguments: "{}")]),
                .tool(callID: "call_b", "sunny"),
            ])
            let error = await #expect(throws: LiteLLMError.self) { try await client.complete(request, settings: server.openAI) }
            #expect(error?.kind == .badRequest)
            #expect(error?.message.contains("tool_call_id call_b answers no call") == true)
        }
    }

    @Test func toolsWithTheSameNameAreRefusedBeforeAnyCall() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: ToolLoopError.self) {
                try await client.completeWithTools(ask("openai/tool-rounds-1"), tools: [Weather(), Weather()], settings: server.openAI)
            }
            #expect(error?.code == .duplicateTool)
            #expect(server.recordedRequests.isEmpty)
        }
    }
}
