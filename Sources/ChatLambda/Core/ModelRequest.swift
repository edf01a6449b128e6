import Foundation
import LiteLLM
import Logging

/// The steps every model request shares (chat completions and embeddings alike).
enum Admission<Request> {
    /// Decoded, for a served model the caller may use now.
    case admitted(Request, ModelRoute)
    /// Refused before any provider call; the metrics line is written.
    case refused(ChatReply)
}

extension ChatService {
    /// The size cap, decoding, the model's route and the caller's models and limits, in that order.
    /// - Parameters:
    ///   - body: The request body.
    ///   - record: The request's metrics; its route and model are set here.
    ///   - decode: Decodes and validates the body.
    ///   - model: The public model a decoded request names.
    func admit<Request>(_ body: [UInt8], route name: String, caller: Caller, record: inout RequestMetrics, logger: Logger,
                        decode: ([UInt8]) throws(ChatError) -> Request, model: (Request) -> String) -> Admission<Request> {
        record.route = name
        guard body.count <= configuration.maxRequestBytes else {
            return .refused(finish(failure(.requestTooLarge("The request is \(body.count) bytes; this function accepts at most \(configuration.maxRequestBytes)."),
                                           logger: logger, route: name), record))
        }
        let request: Request
        do {
            request = try decode(body)
        } catch {
            return .refused(finish(failure(error, logger: logger, route: name), record))
        }
        guard let route = configuration.models[model(request)] else {
            return .refused(finish(failure(.unknownModel(model(request)), logger: logger, route: name), record))
        }
        record.model = route.name
        if let refusal = gate.admit(caller, model: route.name) {
            return .refused(finish(failure(refusal, logger: logger, route: name), record))
        }
        return .admitted(request, route)
    }

    /// Calls the provider for `route`: through the Router for a model with deployments (noting which deployment
    /// answered in `record`), else directly with the entry's settings. `record.providerTime` is set either way.
    func callProvider<T: Sendable>(_ route: ModelRoute, caller: Caller, record: inout RequestMetrics, logger: Logger,
                                   routed: (LiteLLMRouter, RouterPolicy) async throws -> RoutedReply<T>,
                                   direct: (ProviderSettings) async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        defer { record.providerTime += ContinuousClock.now - started }
        guard route.usesRouter else { return try await direct(settings(of: route, logger: logger)) }
        let reply = try await routed(routers.router(logger: logger), RouterHolder.policy(route, for: caller))
        record.deployment = Self.deploymentLabel(reply.deployment, route: route)
        return reply.value
    }
}
