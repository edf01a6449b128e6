import Foundation
import LiteLLM

/// Asks for one answer, prints it as it arrives (or whole), and works out its tokens and cost: the one path `ask`
/// and `chat` answer through.
struct Responder: Sendable {
    let client: LiteLLMClient
    let settings: ModelSettings
    let output: OutputFormat

    /// Sends `request` and prints the answer to stdout: streamed text, whole text, or JSON as ``output`` says.
    /// - Returns: the answer with its usage and cost (streamed answers too: the provider is asked for usage in the
    ///   stream, and tokens are counted here when it sends none).
    /// - Throws: ``LiteLLMError``, or `CancellationError` when the task is cancelled mid-answer.
    func answer(_ request: ChatCompletionRequest) async throws -> Answer {
        output.noStream ? try await whole(request) : try await streamed(request)
    }

    private func whole(_ request: ChatCompletionRequest) async throws -> Answer {
        let completion = try await client.complete(request, settings: settings.provider, timeout: settings.timeout)
        let text = completion.text ?? ""
        if output.json {
            Terminal.out(JSONLines.encode(completion) + "\n")  // without litellm's cost; --usage shows it
        } else {
            Terminal.out(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
        }
        var answer = Answer(text: text, usage: completion.usage, cost: completion.cost)
        if let calls = completion.choices.first?.message.toolCalls, !calls.isEmpty { answer.toolCallsJSON = JSONLines.encode(calls) }
        if answer.cost == nil, let usage = answer.usage {
            answer.cost = await ModelCatalog(client: client).cost(model: request.model, promptTokens: usage.promptTokens,
                                                                   completionTokens: usage.completionTokens)
        }
        report(answer, model: request.model)
        return answer
    }

    private func streamed(_ request: ChatCompletionRequest) async throws -> Answer {
        var request = request
        request.stream = true
        request.streamOptions = .init(includeUsage: true)  // the provider's own counts, for the cost
        let stream = try await client.stream(request, settings: settings.provider, timeout: settings.timeout)
        var text = ""
        var usage: Usage?
        var toolCalls = ToolCallAssembler()
        let sink = AnswerSink(json: output.json, raw: output.raw)
        do {
            for try await chunk in stream {
                try Task.checkCancellation()
                if let chunkUsage = chunk.usage { usage = chunkUsage }
                if let fragments = chunk.choices.first?.delta.toolCalls { toolCalls.add(fragments) }
                if output.json { Terminal.out(JSONLines.encode(chunk) + "\n") }
                if let piece = chunk.text, !piece.isEmpty {
                    text += piece
                    if !output.json { sink.write(piece) }
                }
            }
            try Task.checkCancellation()
        } catch {
            sink.interrupted()
            throw error
        }
        sink.finish()
        var answer = Answer(text: text, toolCallsJSON: toolCalls.json, usage: usage)
        let catalog = ModelCatalog(client: client)
        if answer.usage == nil {
            // No usage in the stream: count both sides here, as litellm would.
            if let prompt = try? await client.countTokens(model: request.model, messages: request.messages),
               let completion = await catalog.countTokens(model: request.model, text: text) {
                answer.usage = Usage(promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion)
                answer.usageEstimated = true
            }
        }
        if let usage = answer.usage {
            answer.cost = await catalog.cost(model: request.model, promptTokens: usage.promptTokens,
                                             completionTokens: usage.completionTokens)
        }
        report(answer, model: request.model)
        return answer
    }

    private func report(_ answer: Answer, model: String) {
        if output.usage { Terminal.err(UsageReport.line(answer, model: model) + "\n") }
    }
}
