// Anthropic Messages wire protocol: POST /v1/messages, JSON and SSE.

enum AnthropicWire {
    static func conversation(_ body: JSONValue, model: String) -> Conversation {
        let messages = body["messages"]?.arrayValue ?? []
        var c = Conversation(model: model, system: body["system"], messages: messages)
        if let last = messages.last, let parts = last["content"]?.arrayValue,
           parts.contains(where: { $0["type"]?.stringValue == "tool_result" }) {
            c.trailingToolResult = parts.filter { $0["type"]?.stringValue == "tool_result" }
                .map { flattenContent($0["content"]) }.joined(separator: " ")
        }
        for tool in body["tools"]?.arrayValue ?? [] {
            guard let name = tool["name"]?.stringValue else { continue }
            c.tools.append(.init(name: name, argumentName: firstPropertyName(tool["input_schema"])))
        }
        c.stream = body["stream"]?.boolValue ?? false
        return c
    }

    static func usage(_ reply: Reply, output: Int) -> JSONValue {
        .object([
            ("input_tokens", .int(reply.promptTokens - reply.cachedTokens)),
            ("cache_creation_input_tokens", .int(0)),
            ("cache_read_input_tokens", .int(reply.cachedTokens)),
            ("output_tokens", .int(output)),
        ])
    }

    static func messages(_ body: JSONValue, model: String, scenario: Scenario, requestNumber: Int) -> [ResponseStep] {
        let c = conversation(body, model: model)
        let reply = Reply(for: c, scenario: scenario, toolCallIDPrefix: "toolu_fake_")
        let id = "msg_fake_\(requestNumber)"
        func toolBlock(_ call: ToolCall, input: JSONValue) -> JSONValue {
            .object([("type", .string("tool_use")), ("id", .string(call.id)), ("name", .string(call.name)), ("input", input)])
        }
        guard c.stream else {
            if scenario.resetAfter != nil { return [.reset] }
            if scenario.malformedAfter != nil {
                return ResponsePlan.full(status: 200, contentType: "application/json", body: Array("{\"id\": \"\(id)\", \"content\": [".utf8))
            }
            var content: [JSONValue] = []
            if reply.toolCalls.isEmpty || !reply.text.isEmpty {
                content.append(.object([("type", .string("text")), ("text", .string(reply.text))]))
            }
            for call in reply.toolCalls {
                content.append(toolBlock(call, input: JSONValue.parse(Array(call.arguments.utf8)) ?? .object([])))
            }
            return ResponsePlan.json(.object([
                ("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")),
                ("model", .string(model)), ("content", .array(content)),
                ("stop_reason", .string(reply.finish.stopReason)), ("stop_sequence", .null),
                ("usage", usage(reply, output: reply.completionTokens)),
            ]), headers: [("request-id", "req_fake_\(requestNumber)")])
        }

        var events: [[UInt8]] = [
            SSE.event("message_start", .object([("type", .string("message_start")), ("message", .object([
                ("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")),
                ("model", .string(model)), ("content", .array([])), ("stop_reason", .null), ("stop_sequence", .null),
                ("usage", usage(reply, output: 1)),
            ]))])),
        ]
        var index = 0
        if reply.toolCalls.isEmpty || !reply.text.isEmpty {
            events.append(SSE.event("content_block_start", .object([
                ("type", .string("content_block_start")), ("index", .int(index)),
                ("content_block", .object([("type", .string("text")), ("text", .string(""))])),
            ])))
            events.append(SSE.event("ping", .object([("type", .string("ping"))])))
            for piece in reply.pieces where !piece.isEmpty {
                events.append(SSE.event("content_block_delta", .object([
                    ("type", .string("content_block_delta")), ("index", .int(index)),
                    ("delta", .object([("type", .string("text_delta")), ("text", .string(piece))])),
                ])))
            }
            events.append(SSE.event("content_block_stop", .object([("type", .string("content_block_stop")), ("index", .int(index))])))
            index += 1
        }
        for call in reply.toolCalls {
            events.append(SSE.event("content_block_start", .object([
                ("type", .string("content_block_start")), ("index", .int(index)),
                ("content_block", toolBlock(call, input: .object([]))),
            ])))
            for fragment in call.argumentFragments {
                events.append(SSE.event("content_block_delta", .object([
                    ("type", .string("content_block_delta")), ("index", .int(index)),
                    ("delta", .object([("type", .string("input_json_delta")), ("partial_json", .string(fragment))])),
                ])))
            }
            events.append(SSE.event("content_block_stop", .object([("type", .string("content_block_stop")), ("index", .int(index))])))
            index += 1
        }
        events.append(SSE.event("message_delta", .object([
            ("type", .string("message_delta")),
            ("delta", .object([("stop_reason", .string(reply.finish.stopReason)), ("stop_sequence", .null)])),
            ("usage", .object([("output_tokens", .int(reply.completionTokens))])),
        ])))
        events.append(SSE.event("message_stop", .object([("type", .string("message_stop"))])))
        return ResponsePlan.stream(
            scenario: scenario,
            contentType: "text/event-stream; charset=utf-8",
            events: events,
            malformedEvent: Array("event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\"\n\n".utf8),
            errorEvent: SSE.event("error", .object([
                ("type", .string("error")),
                ("error", .object([("type", .string("overloaded_error")), ("message", .string("Overloaded"))])),
            ]))
        )
    }

    static func error(status: Int, kind: Scenario.ErrorKind, presentedKey: String? = nil) -> [ResponseStep] {
        let (type, message): (String, String) = {
            switch (status, kind) {
            case (_, .context): return ("invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum")
            case (_, .policy): return ("invalid_request_error", "Output blocked by content filtering policy")
            case (400, _): return ("invalid_request_error", "Invalid request (fake-provider error scenario).")
            case (401, _): return ("authentication_error", "invalid x-api-key." + PresentedCredential.echo(presentedKey))
            case (403, _): return ("permission_error", "Your API key does not have permission to use the specified resource.")
            case (404, _): return ("not_found_error", "The requested resource could not be found.")
            case (413, _): return ("request_too_large", "Request exceeds the maximum allowed number of bytes.")
            case (429, _): return ("rate_limit_error", "Number of requests has exceeded your rate limit.")
            case (500, _): return ("api_error", "Internal server error (fake-provider error scenario).")
            case (529, _): return ("overloaded_error", "Overloaded")
            default: return ("api_error", "Error (fake-provider error scenario).")
            }
        }()
        return ResponsePlan.json(status: status, .object([
            ("type", .string("error")),
            ("error", .object([("type", .string(type)), ("message", .string(message))])),
        ]), headers: [("request-id", "req_fake")])
    }
}
