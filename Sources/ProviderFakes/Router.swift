// Chooses a protocol by method and path, a scenario by model name, and plans the response.

enum Router {
    enum Route: Sendable {
        case health, models, chat, embeddings, anthropicMessages
        /// `GET /_fake/stats`, `GET /_fake/requests`, `POST /_fake/reset`: introspection for clients that cannot
        /// reach the Swift object (the executable's users). Not recorded.
        case stats, requests, reset
        case bedrock(modelID: String, stream: Bool)
        /// `GET /_fake/image/<kind>`: see ImageHost.swift.
        case image(kind: String, query: String)
        case notFound
    }

    static func route(method: String, path: String) -> Route {
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        var p = pathOnly
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        switch (method, p) {
        case ("GET", "/"), ("GET", "/health"): return .health
        case ("GET", "/v1/models"), ("GET", "/models"): return .models
        case ("POST", "/v1/chat/completions"), ("POST", "/chat/completions"): return .chat
        case ("POST", "/v1/embeddings"), ("POST", "/embeddings"): return .embeddings
        case ("POST", "/v1/messages"): return .anthropicMessages
        case ("GET", "/_fake/stats"): return .stats
        case ("GET", "/_fake/requests"): return .requests
        case ("POST", "/_fake/reset"): return .reset
        default: break
        }
        if method == "GET", p.hasPrefix("/_fake/image/") {
            let query = path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            return .image(kind: String(p.dropFirst("/_fake/image/".count)), query: query)
        }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        if method == "POST", parts.count == 4, parts[0].isEmpty, parts[1] == "model",
           parts[3] == "converse" || parts[3] == "converse-stream" {
            return .bedrock(modelID: percentDecode(String(parts[2])), stream: parts[3] == "converse-stream")
        }
        return .notFound
    }

    static func modelName(route: Route, body: JSONValue?) -> String? {
        switch route {
        case let .bedrock(modelID, _): return modelID
        case .chat, .embeddings, .anthropicMessages: return body?["model"]?.stringValue
        default: return nil
        }
    }

    static func percentDecode(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Plans the response to one request.
    static func plan(
        route: Route,
        request: RecordedRequest,
        body: JSONValue?,
        state: ServerState
    ) -> [ResponseStep] {
        let model = request.model ?? ""
        let scenario = Scenario(modelName: model)

        // A failure the scenario asks for, in the route's error shape.
        func failure() -> [ResponseStep]? {
            var failure = scenario.failure
            if let first = scenario.failFirst, state.countRequest(key: "\(request.path) \(model)") <= first.count {
                failure = .init(status: first.status, kind: .generic, retryable: true)
            }
            guard let f = failure else { return nil }
            switch route {
            case .anthropicMessages: return AnthropicWire.error(status: f.status, kind: f.kind, presentedKey: PresentedCredential.key(of: request))
            case .bedrock:
                let (type, message) = BedrockWire.errorType(status: f.status, kind: f.kind)
                return BedrockWire.error(status: f.status, type: type, message: message)
            default: return OpenAIWire.error(status: f.status, kind: f.kind, model: model, retryable: f.retryable,
                                             presentedKey: PresentedCredential.key(of: request))
            }
        }

        switch route {
        case .stats:
            return ResponsePlan.json(.object([
                // The connection carrying this request is not counted as open.
                ("open_connections", .int(max(0, state.openConnectionCount - 1))),
                ("total_connections", .int(state.totalConnectionCount)),
                ("requests", .int(state.recorded.count)),
                ("requests_in_flight", .int(state.requestsInFlight)),
                ("most_requests_in_flight", .int(state.mostRequestsInFlight)),
            ]))
        case .requests:
            return ResponsePlan.json(.array(state.recorded.map { r in
                .object([
                    ("method", .string(r.method)), ("path", .string(r.path)),
                    ("headers", .array(r.headers.map { .array([.string($0.name), .string($0.value)]) })),
                    ("body", .string(r.bodyText)), ("model", r.model.map(JSONValue.string) ?? .null),
                    ("sequence_number", .int(r.sequenceNumber)), ("connection_number", .int(r.connectionNumber)),
                ])
            }))
        case .reset:
            state.clearRecorded()
            state.resetCounters()
            return ResponsePlan.json(.object([("ok", .bool(true))]))
        case .health:
            return ResponsePlan.full(status: 200, contentType: "text/plain", body: Array("ok\n".utf8))
        case .models:
            return OpenAIWire.models()
        case let .image(kind, query):
            return ImageHost.plan(kind: kind, query: query)
        case .notFound:
            if SecretsManagerWire.isRequest(request) { return SecretsManagerWire.answer(request, body: body) }
            return ResponsePlan.json(status: 404, .object([("error", .object([
                ("message", .string("fake-provider has no route for \(request.method) \(request.path)")),
                ("type", .string("invalid_request_error")), ("param", .null), ("code", .string("unknown_url")),
            ]))]))
        case .chat, .embeddings:
            guard let body, body.objectValue != nil else {
                return ResponsePlan.json(status: 400, .object([("error", .object([
                    ("message", .string("We could not parse the JSON body of your request.")),
                    ("type", .string("invalid_request_error")), ("param", .null), ("code", .null),
                ]))]))
            }
            if let f = failure() { return ResponsePlan.wrap(scenario, f) }
            if case .chat = route {
                if let problem = StructuredAnswers.problem(body, scenario: scenario) {
                    return ResponsePlan.json(status: 400, .object([("error", .object([
                        ("message", .string(problem)), ("type", .string("invalid_request_error")),
                        ("param", .null), ("code", .null),
                    ]))]), headers: [("x-should-retry", "false")])
                }
                return ResponsePlan.wrap(scenario, OpenAIWire.chat(body, model: model, scenario: scenario, requestNumber: request.sequenceNumber))
            }
            return ResponsePlan.wrap(scenario, OpenAIWire.embeddings(body, model: model, scenario: scenario))
        case .anthropicMessages:
            guard let body, body.objectValue != nil else {
                return AnthropicWire.error(status: 400, kind: .generic)
            }
            if let f = failure() { return ResponsePlan.wrap(scenario, f) }
            return ResponsePlan.wrap(scenario, AnthropicWire.messages(body, model: model, scenario: scenario, requestNumber: request.sequenceNumber))
        case let .bedrock(_, stream):
            guard let auth = request.header("authorization"), auth.hasPrefix(BedrockWire.sigV4Prefix) else {
                return BedrockWire.missingSignature()
            }
            guard let body, body.objectValue != nil else {
                return BedrockWire.error(status: 400, type: "ValidationException", message: "Malformed input request: the body is not JSON.")
            }
            if let f = failure() { return ResponsePlan.wrap(scenario, f) }
            return ResponsePlan.wrap(scenario, BedrockWire.converse(body, model: model, stream: stream, scenario: scenario))
        }
    }
}
