// OpenAI-compatible wire protocol: /v1/chat/completions (JSON and SSE), /v1/embeddings, /v1/models.

import JSONText

enum OpenAIWire {
    static let created = 1_700_000_000

    static func conversation(_ body: JSONValue, model: String) -> Conversation {
        var c = Conversation(model: model)
        c.body = body
        for message in body["messages"]?.arrayValue ?? [] {
            let role = message["role"]?.stringValue ?? "user"
            c.messages.append((role, flattenContent(message["content"])))
        }
        if let last = body["messages"]?.arrayValue?.last, last["role"]?.stringValue == "tool" {
            c.trailingToolResult = flattenContent(last["content"])
        }
        for tool in body["tools"]?.arrayValue ?? [] {
            guard let function = tool["function"], let name = function["name"]?.stringValue else { continue }
            c.tools.append(.init(name: name, argumentName: firstPropertyName(function["parameters"])))
        }
        c.stream = body["stream"]?.boolValue ?? false
        c.includeUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
        return c
    }

    static func finishReason(_ finish: Reply.Finish) -> String {
        switch finish {
        case .stop: return "stop"
        case .length: return "length"
        case .toolCalls: return "tool_calls"
        }
    }

    static func usage(_ reply: Reply) -> JSONValue {
        .object([
            ("prompt_tokens", .int(reply.promptTokens)),
            ("completion_tokens", .int(reply.completionTokens)),
            ("total_tokens", .int(reply.totalTokens)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(reply.cachedTokens)), ("audio_tokens", .int(0))])),
            ("completion_tokens_details", .object([
                ("reasoning_tokens", .int(reply.reasoningTokens)), ("audio_tokens", .int(0)),
                ("accepted_prediction_tokens", .int(0)), ("rejected_prediction_tokens", .int(0)),
            ])),
        ])
    }

    static func chat(_ body: JSONValue, model: String, scenario: Scenario, requestNumber: Int) -> [ResponseStep] {
        let c = conversation(body, model: model)
        let reply = Reply(for: c, scenario: scenario, toolCallIDPrefix: "call_fake_")
        let id = "chatcmpl-fake-\(requestNumber)"
        guard c.stream else {
            if scenario.resetAfter != nil { return [.reset] }
            if scenario.malformedAfter != nil {
                return ResponsePlan.full(status: 200, contentType: "application/json", body: Array("{\"id\": \"\(id)\", \"choices\": [".utf8))
            }
            var message: [(String, JSONValue)] = [("role", .string("assistant"))]
            message.append(("content", reply.toolCalls.isEmpty ? .string(reply.text) : .null))
            if !reply.toolCalls.isEmpty {
                message.append(("tool_calls", .array(reply.toolCalls.map { call in
                    .object([
                        ("id", .string(call.id)), ("type", .string("function")),
                        ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])),
                    ])
                })))
            }
            message.append(("refusal", .null))
            return ResponsePlan.json(.object([
                ("id", .string(id)), ("object", .string("chat.completion")), ("created", .int(created)),
                ("model", .string(model)), ("system_fingerprint", .string("fp_fake")),
                ("choices", .array([.object([
                    ("index", .int(0)), ("message", .object(message)), ("logprobs", .null),
                    ("finish_reason", .string(finishReason(reply.finish))),
                ])])),
                ("usage", usage(reply)),
            ]))
        }

        func chunk(_ delta: [(String, JSONValue)], finish: String? = nil) -> [UInt8] {
            var fields: [(String, JSONValue)] = [
                ("id", .string(id)), ("object", .string("chat.completion.chunk")), ("created", .int(created)),
                ("model", .string(model)), ("system_fingerprint", .string("fp_fake")),
                ("choices", .array([.object([
                    ("index", .int(0)), ("delta", .object(delta)), ("logprobs", .null),
                    ("finish_reason", finish.map(JSONValue.string) ?? .null),
                ])])),
            ]
            if c.includeUsage { fields.append(("usage", .null)) }
            return SSE.data(.object(fields))
        }

        var events: [[UInt8]] = [chunk([("role", .string("assistant")), ("content", .string(""))])]
        for piece in reply.pieces where !piece.isEmpty {
            events.append(chunk([("content", .string(piece))]))
        }
        for (index, call) in reply.toolCalls.enumerated() {
            events.append(chunk([("tool_calls", .array([.object([
                ("index", .int(index)), ("id", .string(call.id)), ("type", .string("function")),
                ("function", .object([("name", .string(call.name)), ("arguments", .string(""))])),
            ])]))]))
            for fragment in call.argumentFragments {
                events.append(chunk([("tool_calls", .array([.object([
                    ("index", .int(index)), ("function", .object([("arguments", .string(fragment))])),
                ])]))]))
            }
        }
        events.append(chunk([], finish: finishReason(reply.finish)))
        if c.includeUsage {
            events.append(SSE.data(.object([
                ("id", .string(id)), ("object", .string("chat.completion.chunk")), ("created", .int(created)),
                ("model", .string(model)), ("system_fingerprint", .string("fp_fake")),
                ("choices", .array([])), ("usage", usage(reply)),
            ])))
        }
        events.append(SSE.data("[DONE]"))
        return ResponsePlan.stream(
            scenario: scenario,
            contentType: "text/event-stream; charset=utf-8",
            events: events,
            malformedEvent: Array("data: {\"id\": \"\(id)\", \"choices\": [{\"delta\": {\"content\": \"broken\n\n".utf8),
            errorEvent: SSE.data(.object([("error", .object([
                ("message", .string("The server had an error while streaming the response (fake-provider sse-error).")),
                ("type", .string("server_error")), ("param", .null), ("code", .null),
            ]))]))
        )
    }

    /// An error in OpenAI's shape. Messages avoid digits so that litellm's "429 anywhere means rate limit"
    /// check only fires for status 429.
    static func error(status: Int, kind: Scenario.ErrorKind, model: String, retryable: Bool, presentedKey: String? = nil) -> [ResponseStep] {
        let (message, type, code): (String, String, String?) = {
            switch (status, kind) {
            case (_, .context):
                return ("This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
                        "invalid_request_error", "context_length_exceeded")
            case (_, .policy):
                return ("Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.",
                        "invalid_request_error", "content_policy_violation")
            case (400, _): return ("Invalid request (fake-provider error scenario).", "invalid_request_error", nil)
            case (401, _): return ("Incorrect API key provided." + PresentedCredential.echo(presentedKey) + " You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key")
            case (403, _): return ("You are not allowed to access this model (fake-provider error scenario).", "permission_error", "unsupported_country_region_territory")
            case (404, _): return ("The model `\(model)` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")
            case (408, _): return ("Request timed out on the server (fake-provider error scenario).", "timeout_error", nil)
            case (409, _): return ("Conflict (fake-provider error scenario).", "invalid_request_error", nil)
            case (422, _): return ("Unprocessable entity (fake-provider error scenario).", "invalid_request_error", nil)
            case (429, _): return ("Rate limit reached for requests (fake-provider error scenario).", "requests", "rate_limit_exceeded")
            case (500, _): return ("The server had an error processing your request. Sorry about that!", "server_error", nil)
            case (502, _): return ("Bad gateway (fake-provider error scenario).", "server_error", nil)
            case (503, _): return ("The engine is currently overloaded, please try again later.", "server_error", nil)
            case (504, _): return ("Gateway timeout (fake-provider error scenario).", "server_error", nil)
            default: return ("Error (fake-provider error scenario).", "api_error", nil)
            }
        }()
        var headers: [(String, String)] = [("x-request-id", "req_fake")]
        headers.append(retryable ? ("retry-after-ms", "20") : ("x-should-retry", "false"))
        return ResponsePlan.json(status: status, .object([("error", .object([
            ("message", .string(message)), ("type", .string(type)), ("param", .null),
            ("code", code.map(JSONValue.string) ?? .null),
        ]))]), headers: headers)
    }

    // MARK: Embeddings

    static func embeddings(_ body: JSONValue, model: String, scenario: Scenario) -> [ResponseStep] {
        if scenario.resetAfter != nil { return [.reset] }
        var inputs: [String] = []
        switch body["input"] {
        case let .string(s)?: inputs = [s]
        case let .array(items)?:
            if items.allSatisfy({ $0.intValue != nil }) && !items.isEmpty {
                inputs = [items.map { String($0.intValue ?? 0) }.joined(separator: " ")]
            } else {
                inputs = items.map { item in
                    if let s = item.stringValue { return s }
                    return (item.arrayValue ?? []).map { String($0.intValue ?? 0) }.joined(separator: " ")
                }
            }
        default: inputs = []
        }
        let dimensions = scenario.dimensions ?? body["dimensions"]?.intValue.map { max(1, min($0, 65_536)) } ?? 8
        let base64 = body["encoding_format"]?.stringValue == "base64"
        var data: [JSONValue] = []
        for (index, input) in inputs.enumerated() {
            let vector = FakeProviderServer.embedding(for: input, dimensions: dimensions)
            let encoded: JSONValue = base64
                ? .string(Base64.encode(vector.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
                : .array(vector.map { .double(Double($0)) })
            data.append(.object([("object", .string("embedding")), ("index", .int(index)), ("embedding", encoded)]))
        }
        let tokens = inputs.reduce(0) { $0 + max(1, Reply.wordCount($1)) }
        return ResponsePlan.json(.object([
            ("object", .string("list")), ("data", .array(data)), ("model", .string(model)),
            ("usage", .object([("prompt_tokens", .int(tokens)), ("total_tokens", .int(tokens))])),
        ]))
    }

    static func models() -> [ResponseStep] {
        let names = ["echo", "transcript", "unicode", "tools", "long-500", "slow-stream-10-100", "delay-1500",
                     "status-429", "status-400-context", "reset-after-3", "malformed-after-2", "text-embedding-fake"]
        return ResponsePlan.json(.object([
            ("object", .string("list")),
            ("data", .array(names.map { .object([
                ("id", .string($0)), ("object", .string("model")), ("created", .int(created)),
                ("owned_by", .string("fake-provider")),
            ]) })),
        ]))
    }
}
