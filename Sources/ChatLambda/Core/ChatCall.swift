import Foundation
import LiteLLM
import Logging

extension ChatService {
    /// One chat completions request from `caller`: decoded and validated, checked against the caller's models and
    /// limits, then answered by litellm (directly, or through the Router for a model with deployments).
    func chat(body: [UInt8], streaming: Bool, caller: Caller, record: RequestMetrics, deadline: ContinuousClock.Instant?,
              logger: Logger) async -> ChatReply {
        var record = record
        var request: ChatCompletionRequest, route: ModelRoute
        switch admit(body, route: "chat", caller: caller, record: &record, logger: logger, decode: RequestValidation.decode, model: \.model) {
        case .refused(let reply): return reply
        case .admitted(let decoded, let found): (request, route) = (decoded, found)
        }
        let wantsStream = streaming && request.stream == true
        request.model = route.usesRouter ? route.name : route.litellmModel
        clampMaxTokens(&request, cap: configuration.maxTokensCap(for: route))
        let callerWantsUsage = request.streamOptions?.includeUsage == true
        if wantsStream {
            // Always asked of the provider, so the tokens are counted; dropped from the answer if not asked for.
            request.streamOptions = .init(includeUsage: true)
        } else {
            request.stream = nil
            request.streamOptions = nil
        }
        var logger = logger
        logger[metadataKey: "model"] = "\(route.name)"
        logger[metadataKey: "caller"] = "\(caller.name)"
        do {
            let timeout = try timeLeft(before: deadline)
            if wantsStream {
                let stream = try await callProvider(route, caller: caller, record: &record, logger: logger,
                                                    routed: { try await $0.stream(request, policy: $1, timeout: timeout) },
                                                    direct: { try await client.stream(request, settings: $0, timeout: timeout) })
                if let deployment = record.deployment { logger[metadataKey: "deployment"] = "\(deployment)" }
                let headers = ChatReply.eventStreamHeaders.merging(gatewayHeaders(record)) { _, new in new }
                let gate = gate
                let (catalog, tokenizer, messages) = (ModelCatalog(client: client), route.routerDeployments[0].litellmModel, request.messages)
                return .eventStream(ChatEventStream(
                    stream: stream, modelName: route.name, logger: logger, callerWantsUsage: callerWantsUsage,
                    record: record, finished: { [weak self] record in
                        gate.record(caller, tokens: record.promptTokens + record.completionTokens)
                        self?.emit(record)
                    }, countPromptTokens: {  // only for a stream that ended without its usage chunk
                        await catalog.countTokens(model: tokenizer, text: messages.compactMap(\.text).joined(separator: "\n")) ?? 0
                    },
                    headers: headers))
            }
            var completion = try await callProvider(route, caller: caller, record: &record, logger: logger,
                                                    routed: { try await $0.complete(request, policy: $1, timeout: timeout) },
                                                    direct: { try await client.complete(request, settings: $0, timeout: timeout) })
            completion.model = route.name
            record.promptTokens = completion.usage?.promptTokens ?? 0
            record.completionTokens = completion.usage?.completionTokens ?? 0
            record.cost = completion.cost
            gate.record(caller, tokens: record.promptTokens + record.completionTokens)
            logAnswer("completion answered", record, logger: logger, ["finishReason": "\(completion.choices.first?.finishReason ?? "-")"])
            var response = ChatHTTPResponse.json(200, try JSON.encode(completion))
            response.headers.merge(gatewayHeaders(record)) { _, new in new }
            return finish(.response(response), record)
        } catch {
            return finish(failure(ChatError.from(error), logger: logger, route: "chat"), record)
        }
    }

    /// The caller's `max_tokens`/`max_completion_tokens` clamped to the model's cap; without either, the cap is set
    /// as `max_tokens` so it always applies.
    func clampMaxTokens(_ request: inout ChatCompletionRequest, cap: Int) {
        if request.maxTokens == nil, request.maxCompletionTokens == nil {
            request.maxTokens = cap
            return
        }
        if let value = request.maxTokens { request.maxTokens = min(value, cap) }
        if let value = request.maxCompletionTokens { request.maxCompletionTokens = min(value, cap) }
    }

    /// The log line of an answered request: status, duration, tokens, the deployment that answered.
    func logAnswer(_ message: Logger.Message, _ record: RequestMetrics, logger: Logger, _ extra: Logger.Metadata = [:]) {
        var metadata: Logger.Metadata = [
            "status": "200", "durationMs": "\((ContinuousClock.now - record.started).milliseconds)",
            "promptTokens": "\(record.promptTokens)", "completionTokens": "\(record.completionTokens)",
        ]
        if let deployment = record.deployment { metadata["deployment"] = "\(deployment)" }
        logger.info(message, metadata: metadata.merging(extra) { _, new in new })
    }
}
