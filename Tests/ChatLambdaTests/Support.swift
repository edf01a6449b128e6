import ChatLambda
import Foundation
import LiteLLM
import Logging
import ProviderFakes

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The process's one litellm client (an interpreter starts once per process).
func sharedClient() async throws -> LiteLLMClient {
    let path = ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] ?? "\(repositoryRoot)/.python"
    return try await LiteLLMClient.start(PythonSettings(packagePaths: path.split(separator: ":").map(String.init)))
}

let testLogger = Logger(label: "ChatLambdaTests")

/// A fake provider and a service whose models point at it: `echo`, and `fake-<scenario>` for any scenario used.
struct ChatFixture {
    let server: FakeProviderServer
    let service: ChatService

    static func make(scenarios: [String] = [], maxTokens: Int? = nil, authToken: String? = nil,
                     maxRequestBytes: Int = ChatConfiguration.defaultMaxRequestBytes,
                     readSecret: @escaping ChatService.SecretReader = { _ in "sk-unused-123456" },
                     secretModel: Bool = false) async throws -> ChatFixture {
        let server = try await FakeProviderServer.start()
        let settings = ProviderSettings(apiBase: server.openAIBase, apiKey: "sk-fixture-key-0123456789", maxRetries: 0)
        var routes = [ModelRoute(name: "echo", litellmModel: "openai/echo", settings: settings)]
        for scenario in scenarios {
            routes.append(ModelRoute(name: "fake-\(scenario)", litellmModel: "openai/\(scenario)", settings: settings))
        }
        if secretModel {
            var secretSettings = settings
            secretSettings.apiKey = nil
            routes.append(ModelRoute(name: "secret", litellmModel: "openai/echo", settings: secretSettings, apiKeySecret: "embedchat/key"))
        }
        let configuration = ChatConfiguration(models: routes, authToken: authToken, maxRequestBytes: maxRequestBytes, maxTokens: maxTokens)
        return ChatFixture(server: server, service: ChatService(client: try await sharedClient(), configuration: configuration, readSecret: readSecret,
                                                               metrics: MetricsSink { _ in }))
    }

    func chat(_ body: String, streaming: Bool = true, deadline: ContinuousClock.Instant? = nil) async -> ChatReply {
        await service.chat(body: Array(body.utf8), streaming: streaming, deadline: deadline, logger: testLogger)
    }

    func shutdown() async { try? await server.shutdown() }
}

func userRequest(_ model: String, _ text: String = "hello there", extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(text)"}]\#(extra)}"#
}

extension ChatReply {
    var failure: ChatError? { if case .failure(let error) = self { error } else { nil } }
    var json: [String: Any]? {
        guard case .response(let response) = self else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    }
}

/// Sends an event stream into a byte array, returning what was written and the error thrown, if any.
func drain(_ stream: ChatEventStream) async -> (events: [String], error: (any Error)?) {
    var events: [String] = []
    do {
        try await stream.send { events.append(String(decoding: $0, as: UTF8.self)) }
        return (events, nil)
    } catch {
        return (events, error)
    }
}
