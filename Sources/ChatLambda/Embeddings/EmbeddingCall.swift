import Foundation
import LiteLLM
import Logging

extension ChatService {
    /// One embeddings request from `caller`: validated, checked against the caller's models and limits, then
    /// answered by litellm (directly, or through the Router for a model with deployments).
    func embeddings(body: [UInt8], caller: Caller, record: RequestMetrics, deadline: ContinuousClock.Instant?,
                    logger: Logger) async -> ChatReply {
        var record = record
        let call: EmbeddingsCall, route: ModelRoute
        switch admit(body, route: "embeddings", caller: caller, record: &record, logger: logger, decode: EmbeddingValidation.decode, model: \.model) {
        case .refused(let reply): return reply
        case .admitted(let decoded, let found): (call, route) = (decoded, found)
        }
        // A text mock_response answers chat only; through the Router any deployment with one would fail the decode.
        if route.routerDeployments.contains(where: { if case .string? = $0.settings.extra["mock_response"] { true } else { false } }) {
            return finish(failure(.invalidRequest("The model '\(route.name)' answers chat completions only: its mock_response is a text, not a vector.",
                                                  code: "model_not_embedding", param: "model"), logger: logger, route: "embeddings"), record)
        }
        var logger = logger
        logger[metadataKey: "model"] = "\(route.name)"
        logger[metadataKey: "caller"] = "\(caller.name)"
        let request = EmbeddingRequest(model: route.usesRouter ? route.name : route.litellmModel, input: call.input,
                                       dimensions: call.dimensions, user: call.user)
        do {
            let timeout = try timeLeft(before: deadline)
            let response = try await callProvider(route, caller: caller, record: &record, logger: logger,
                                                  routed: { try await $0.embed(request, policy: $1, timeout: timeout) },
                                                  direct: { try await client.embed(request, settings: $0, timeout: timeout) })
            guard response.data.count == call.input.count else {
                throw ChatError(status: 502, type: "api_error", code: "invalid_provider_response",
                                message: "The provider returned \(response.data.count) vectors for \(call.input.count) inputs.")
            }
            record.promptTokens = response.usage?.promptTokens ?? 0
            record.cost = response.cost
            gate.record(caller, tokens: record.promptTokens)
            logAnswer("embeddings answered", record, logger: logger, ["inputs": "\(call.input.count)"])
            var answer = ChatHTTPResponse.json(200, EmbeddingEncoding.body(response, model: route.name, format: call.format))
            answer.headers.merge(gatewayHeaders(record)) { _, new in new }
            return finish(.response(answer), record)
        } catch {
            return finish(failure(ChatError.from(error), logger: logger, route: "embeddings"), record)
        }
    }
}
