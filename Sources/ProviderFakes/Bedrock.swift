// Bedrock Runtime Converse wire protocol: POST /model/{modelId}/converse (JSON) and
// /model/{modelId}/converse-stream (AWS event stream, `application/vnd.amazon.eventstream`).

enum BedrockWire {
    static let sigV4Prefix = "AWS4-HMAC-SHA256 Credential="

    static func conversation(_ body: JSONValue, model: String) -> Conversation {
        let messages = body["messages"]?.arrayValue ?? []
        var c = Conversation(model: model, system: body["system"], messages: messages)
        if let last = messages.last, let parts = last["content"]?.arrayValue,
           parts.contains(where: { $0["toolResult"] != nil }) {
            c.trailingToolResult = parts.compactMap { $0["toolResult"]?["content"] }.map(flattenContent).joined(separator: " ")
        }
        for tool in body["toolConfig"]?["tools"]?.arrayValue ?? [] {
            guard let spec = tool["toolSpec"], let name = spec["name"]?.stringValue else { continue }
            c.tools.append(.init(name: name, argumentName: firstPropertyName(spec["inputSchema"]?["json"])))
        }
        return c
    }

    static func usage(_ reply: Reply) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("inputTokens", .int(reply.promptTokens)), ("outputTokens", .int(reply.completionTokens)),
            ("totalTokens", .int(reply.totalTokens)),
        ]
        if reply.cachedTokens > 0 { fields.append(("cacheReadInputTokens", .int(reply.cachedTokens))) }
        return .object(fields)
    }

    static func converse(_ body: JSONValue, model: String, stream: Bool, scenario: Scenario) -> [ResponseStep] {
        let c = conversation(body, model: model)
        let reply = Reply(for: c, scenario: scenario, toolCallIDPrefix: "tooluse_fake_")
        let latency = JSONValue.object([("latencyMs", .int(max(1, scenario.delayMilliseconds)))])
        guard stream else {
            if scenario.resetAfter != nil { return [.reset] }
            if scenario.malformedAfter != nil {
                return ResponsePlan.full(status: 200, contentType: "application/json", body: Array("{\"output\": {\"message\": ".utf8))
            }
            var content: [JSONValue] = []
            if reply.toolCalls.isEmpty || !reply.text.isEmpty { content.append(.object([("text", .string(reply.text))])) }
            for call in reply.toolCalls {
                content.append(.object([("toolUse", .object([
                    ("toolUseId", .string(call.id)), ("name", .string(call.name)),
                    ("input", JSONValue.parse(Array(call.arguments.utf8)) ?? .object([])),
                ]))]))
            }
            return ResponsePlan.json(.object([
                ("output", .object([("message", .object([("role", .string("assistant")), ("content", .array(content))]))])),
                ("stopReason", .string(reply.finish.stopReason)),
                ("usage", usage(reply)),
                ("metrics", latency),
            ]), headers: [("x-amzn-requestid", "fake-request-id")])
        }

        func event(_ type: String, _ payload: JSONValue) -> [UInt8] {
            EventStream.message(headers: [
                (":event-type", type), (":content-type", "application/json"), (":message-type", "event"),
            ], payload: payload.bytes)
        }
        var events: [[UInt8]] = [event("messageStart", .object([("role", .string("assistant"))]))]
        var index = 0
        if reply.toolCalls.isEmpty || !reply.text.isEmpty {
            for piece in reply.pieces where !piece.isEmpty {
                events.append(event("contentBlockDelta", .object([
                    ("contentBlockIndex", .int(index)), ("delta", .object([("text", .string(piece))])),
                ])))
            }
            events.append(event("contentBlockStop", .object([("contentBlockIndex", .int(index))])))
            index += 1
        }
        for call in reply.toolCalls {
            events.append(event("contentBlockStart", .object([
                ("contentBlockIndex", .int(index)),
                ("start", .object([("toolUse", .object([("toolUseId", .string(call.id)), ("name", .string(call.name))]))])),
            ])))
            for fragment in call.argumentFragments {
                events.append(event("contentBlockDelta", .object([
                    ("contentBlockIndex", .int(index)),
                    ("delta", .object([("toolUse", .object([("input", .string(fragment))]))])),
                ])))
            }
            events.append(event("contentBlockStop", .object([("contentBlockIndex", .int(index))])))
            index += 1
        }
        events.append(event("messageStop", .object([("stopReason", .string(reply.finish.stopReason))])))
        events.append(event("metadata", .object([("usage", usage(reply)), ("metrics", latency)])))
        var corrupted = event("contentBlockDelta", .object([("contentBlockIndex", .int(0)), ("delta", .object([("text", .string("broken"))]))]))
        corrupted[corrupted.count - 1] ^= 0xFF  // wrong message CRC
        return ResponsePlan.stream(
            scenario: scenario,
            contentType: "application/vnd.amazon.eventstream",
            events: events,
            malformedEvent: corrupted,
            errorEvent: EventStream.message(headers: [
                (":exception-type", "modelStreamErrorException"), (":content-type", "application/json"),
                (":message-type", "exception"),
            ], payload: JSONValue.object([("message", .string("Model stream error (fake-provider sse-error)."))]).bytes)
        )
    }

    static func errorType(status: Int, kind: Scenario.ErrorKind) -> (type: String, message: String) {
        switch (status, kind) {
        case (_, .context): return ("ValidationException", "Input is too long for requested model.")
        case (_, .policy): return ("ValidationException", "The request was blocked by the content filtering policy (fake-provider error scenario).")
        case (400, _): return ("ValidationException", "Malformed input request: fake-provider error scenario.")
        case (401, _): return ("UnrecognizedClientException", "The security token included in the request is invalid.")
        case (403, _): return ("AccessDeniedException", "You don't have access to the model with the specified model ID.")
        case (404, _): return ("ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier.")
        case (408, _): return ("ModelTimeoutException", "Model has timed out in processing the request.")
        case (424, _): return ("ModelErrorException", "The model encountered an error processing the request.")
        case (429, _): return ("ThrottlingException", "Too many requests, please wait before trying again.")
        case (500, _): return ("InternalServerException", "Internal server error (fake-provider error scenario).")
        case (503, _): return ("ServiceUnavailableException", "Service is unavailable. Try again later.")
        default: return ("InternalServerException", "Error (fake-provider error scenario).")
        }
    }

    /// An error as Bedrock sends it: the type in `x-amzn-ErrorType`, `{"message": ...}` in the body; the body also
    /// carries `__type` (as the AWS JSON protocols do) so that litellm, which reads only the body text, sees it.
    static func error(status: Int, type: String, message: String) -> [ResponseStep] {
        ResponsePlan.json(status: status, .object([("__type", .string(type)), ("message", .string(message))]), headers: [
            ("x-amzn-ErrorType", "\(type):http://internal.amazon.com/coral/com.amazon.bedrock/"),
            ("x-amzn-requestid", "fake-request-id"),
        ])
    }

    static func missingSignature() -> [ResponseStep] {
        error(status: 403, type: "MissingAuthenticationTokenException",
              message: "Missing Authentication Token: the request must be signed with AWS Signature Version 4 (Authorization: AWS4-HMAC-SHA256 Credential=...).")
    }
}

/// AWS event stream framing (the `vnd.amazon.eventstream` binary format botocore's `EventStreamBuffer` decodes):
/// total length, headers length, prelude CRC32, headers, payload, message CRC32; all integers big-endian.
enum EventStream {
    static func message(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var headerBytes: [UInt8] = []
        for (name, value) in headers {
            let n = Array(name.utf8), v = Array(value.utf8)
            headerBytes.append(UInt8(n.count))
            headerBytes += n
            headerBytes.append(7)  // string
            headerBytes += bigEndian(UInt16(v.count))
            headerBytes += v
        }
        let total = 12 + headerBytes.count + payload.count + 4
        var out = bigEndian(UInt32(total)) + bigEndian(UInt32(headerBytes.count))
        out += bigEndian(crc32(out))
        out += headerBytes
        out += payload
        out += bigEndian(crc32(out))
        return out
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
