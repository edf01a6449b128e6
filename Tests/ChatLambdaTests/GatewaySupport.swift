import ChatLambda
import Foundation
import LiteLLM
import ProviderFakes
import Synchronization

/// The EMF lines a service wrote.
final class MetricLines: Sendable {
    let raw = Mutex<[String]>([])

    var sink: MetricsSink {
        MetricsSink { [self] bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            raw.withLock { $0.append(text) }
        }
    }

    /// Each line, parsed.
    var all: [[String: Any]] {
        raw.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// A service configured from environment variables (so the parser is exercised), with its models pointing at a
/// loopback fake provider and its metrics collected.
struct GatewayFixture {
    static let providerKey = "sk-gateway-fixture-key-0123456789"
    let server: FakeProviderServer
    let service: ChatService
    let metrics: MetricLines

    /// - Parameters:
    ///   - models: `EMBEDCHAT_MODELS`, given the fake's OpenAI base URL; `api_key_env` `FAKE_KEY` holds the key.
    ///   - environment: More variables.
    static func make(models: (String) -> String, environment: [String: String] = [:],
                     readSecret: @escaping ChatService.SecretReader = { _ in throw CancellationError() }) async throws -> GatewayFixture {
        let server = try await FakeProviderServer.start()
        var variables = ["EMBEDCHAT_MODELS": models(server.openAIBase), "FAKE_KEY": providerKey]
        variables.merge(environment) { _, new in new }
        let configuration = try ChatConfiguration.fromEnvironment(variables)
        let metrics = MetricLines()
        let service = ChatService(client: try await sharedClient(), configuration: configuration, readSecret: readSecret,
                                  metrics: metrics.sink)
        return GatewayFixture(server: server, service: service, metrics: metrics)
    }

    /// A plain entry for `model` at the fake.
    static func plain(_ model: String, _ base: String, extra: String = "") -> String {
        #"{"model": "openai/\#(model)", "api_base": "\#(base)", "api_key_env": "FAKE_KEY", "num_retries": 0\#(extra)}"#
    }

    /// A deployment for `model` at the fake.
    static func deployment(_ model: String, _ base: String) -> String {
        #"{"model": "openai/\#(model)", "api_base": "\#(base)", "api_key_env": "FAKE_KEY"}"#
    }

    func http(_ path: String, _ body: String = "", method: String = "POST", key: String? = nil) async -> ChatReply {
        var headers = ["content-type": "application/json"]
        if let key { headers["authorization"] = "Bearer \(key)" }
        return await service.respond(to: ChatHTTPRequest(method: method, path: path, headers: headers, body: Array(body.utf8)),
                                     deadline: nil, logger: testLogger)
    }

    /// How many requests the fake received for a litellm model name (without `openai/`).
    func requests(for model: String) -> Int { server.recordedRequests.filter { $0.model == model }.count }

    func shutdown() async { try? await server.shutdown() }
}

extension ChatReply {
    var headers: [String: String] {
        switch self {
        case .response(let response): response.headers
        case .failure(let error): ChatHTTPResponse(error).headers
        case .eventStream(let stream): stream.headers
        }
    }
}
