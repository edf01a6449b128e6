import Foundation

/// How ``LiteLLMClient/completeWithTools(_:tools:loop:settings:timeout:)`` runs: how many rounds, who approves each
/// call, who hears about them.
public struct ToolLoop: Sendable {
    /// What to do with one call.
    public enum Approval: Sendable, Equatable {
        case run
        /// Do not run it; the model is told it was declined, with this reason.
        case decline(String)
    }

    /// What happened, for a caller that shows or logs the calls.
    public enum Event: Sendable {
        /// A call is about to run.
        case calling(ToolCall)
        /// A call finished: its result as the model reads it, and whether it failed.
        case finished(ToolCall, result: String, failed: Bool)
        /// A call was not run: declined, an unknown tool, or arguments that are not a JSON object.
        case skipped(ToolCall, reason: String)
    }

    /// The most rounds of tool calls before the loop gives up (a round is one reply that calls tools).
    public var maxRounds: Int
    /// Asked before each call; runs every call by default.
    public var approve: @Sendable (ToolCall) async -> Approval
    /// Told of each call and its result.
    public var onEvent: @Sendable (Event) -> Void

    /// - Parameters:
    ///   - maxRounds: the most replies that call tools (default 8).
    ///   - approve: asked before each call (default: run every call).
    ///   - onEvent: told of each call and its result.
    public init(maxRounds: Int = 8, approve: @escaping @Sendable (ToolCall) async -> Approval = { _ in .run },
                onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.maxRounds = maxRounds
        self.approve = approve
        self.onEvent = onEvent
    }
}

/// The end of a tool loop: the final reply and the conversation that led to it.
public struct ToolLoopResult: Sendable {
    /// The reply that called no tools (its text is the answer).
    public let completion: ChatCompletion
    /// The messages the loop added after the request's own: each assistant turn that called tools, each tool result,
    /// and last the final answer.
    public let messages: [ChatMessage]
    /// How many rounds of tool calls there were.
    public let rounds: Int
    /// The token counts of every model call of the loop added up (`nil` when the provider reported none).
    public let usage: Usage?
}

/// A tool loop that could not finish.
public struct ToolLoopError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure. A struct, not an enum, so codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `too_many_rounds`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// The model still called tools after ``ToolLoop/maxRounds`` rounds.
        public static let tooManyRounds = Code("too_many_rounds")
        /// Two tools share a name.
        public static let duplicateTool = Code("duplicate_tool")
    }

    /// What kind of failure.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The messages the loop had added when it stopped.
    public let messages: [ChatMessage]

    public var description: String { message }
}

extension LiteLLMClient {
    /// Offers `tools` to the model and runs the calls it makes, sending each result back, until it answers without
    /// calling a tool.
    ///
    /// A call of an unknown tool, with arguments that are not a JSON object, or declined by ``ToolLoop/approve``
    /// is not run; the model is told why. An error a tool throws is sent to the model as the call's result (it may
    /// try again or answer without it); ``ToolLoop/onEvent`` hears of it as failed.
    ///
    /// - Parameters:
    ///   - request: the request; its `tools` are replaced by `tools`' definitions, `stream` is ignored.
    ///   - tools: the tools offered.
    ///   - loop: the round cap, the approval and the event callbacks.
    ///   - settings: where each call goes.
    ///   - timeout: the deadline of each model call.
    /// - Returns: the final reply and the messages added on the way.
    /// - Throws: ``ToolLoopError`` when the model still calls tools after `loop.maxRounds` rounds,
    ///   ``LiteLLMError`` when a call fails, or `CancellationError`.
    public func completeWithTools(_ request: ChatCompletionRequest, tools: [any ChatTool], loop: ToolLoop = ToolLoop(),
                                  settings: ProviderSettings = ProviderSettings(),
                                  timeout: Duration? = nil) async throws -> ToolLoopResult {
        var byName: [String: any ChatTool] = [:]
        for tool in tools {
            guard byName.updateValue(tool, forKey: tool.name) == nil else {
                throw ToolLoopError(code: .duplicateTool, message: "two tools are named \(tool.name); tool names must differ", messages: [])
            }
        }
        var request = request
        request.stream = nil
        request.streamOptions = nil
        request.tools = tools.isEmpty ? nil : tools.map(\.definition)
        var added: [ChatMessage] = []
        var rounds = 0
        var usage: Usage?
        while true {
            let completion = try await complete(request, settings: settings, timeout: timeout)
            if let callUsage = completion.usage {
                usage = Usage(promptTokens: (usage?.promptTokens ?? 0) + callUsage.promptTokens,
                              completionTokens: (usage?.completionTokens ?? 0) + callUsage.completionTokens,
                              totalTokens: (usage?.totalTokens ?? 0) + callUsage.totalTokens)
            }
            let message = completion.choices.first?.message
            guard let calls = message?.toolCalls, !calls.isEmpty else {
                added.append(ChatMessage(role: .assistant, content: message?.content.map(MessageContent.text)))
                return ToolLoopResult(completion: completion, messages: added, rounds: rounds, usage: usage)
            }
            rounds += 1
            let turn = ChatMessage(role: .assistant, content: message?.content.map(MessageContent.text), toolCalls: calls)
            added.append(turn)
            guard rounds <= loop.maxRounds else {
                throw ToolLoopError(code: .tooManyRounds,
                                    message: "the model still called tools (\(calls.map(\.function.name).joined(separator: ", "))) after \(loop.maxRounds) rounds; raise the cap or ask differently",
                                    messages: added)
            }
            request.messages.append(turn)
            for call in calls {
                try Task.checkCancellation()
                let result = await run(call, byName, loop)
                let reply = ChatMessage.tool(callID: call.id, result)
                added.append(reply)
                request.messages.append(reply)
            }
        }
    }

    /// Runs one call and returns the text the model reads.
    private func run(_ call: ToolCall, _ tools: [String: any ChatTool], _ loop: ToolLoop) async -> String {
        func skip(_ reason: String) -> String {
            loop.onEvent(.skipped(call, reason: reason))
            return reason
        }
        guard let tool = tools[call.function.name] else {
            return skip("error: there is no tool named \(call.function.name); the tools are \(tools.keys.sorted().joined(separator: ", "))")
        }
        let text = call.function.arguments.trimmingCharacters(in: .whitespacesAndNewlines)
        let arguments: JSONValue
        do {
            arguments = text.isEmpty ? .object([:]) : try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            return skip("error: the arguments are not JSON; send a JSON object")
        }
        guard arguments.objectValue != nil else { return skip("error: the arguments must be a JSON object") }
        if case .decline(let reason) = await loop.approve(call) { return skip("declined: \(reason)") }
        loop.onEvent(.calling(call))
        do {
            var result = try await tool.call(arguments: arguments)
            if result.isEmpty { result = "(no output)" }  // providers refuse an empty tool message
            loop.onEvent(.finished(call, result: result, failed: false))
            return result
        } catch {
            let result = "error: \(error)"
            loop.onEvent(.finished(call, result: result, failed: true))
            return result
        }
    }
}
