import Foundation
public import LiteLLM

/// Decodes a chat completions body into the typed OpenAI request and checks it, before any model is called.
///
/// Strict on purpose: litellm acts on any keyword it is given (endpoints, credentials, callbacks that send data
/// elsewhere), so only ``ChatCompletionRequest/fieldNames`` are accepted at the top level (checked in the same pass
/// that decodes the body), and the typed request, not the caller's JSON, is what reaches litellm (unknown nested
/// keys are dropped by re-encoding it).
public enum RequestValidation {
    /// litellm keywords named in the 400 message, so a caller sees why `api_base` & co. are refused.
    static let litellmKeywords: Set<String> = [
        "api_base", "base_url", "api_key", "api_version", "custom_llm_provider", "mock_response", "callbacks",
        "success_callback", "failure_callback", "metadata", "headers", "extra_headers", "extra_body", "timeout",
        "num_retries", "aws_access_key_id", "aws_secret_access_key", "aws_region_name", "aws_bedrock_runtime_endpoint",
    ]
    /// The most image parts one request may hold: each may be fetched (up to 5 MiB and 10 s) before the call.
    public static let maximumImageParts = 16
    /// `reasoning_effort` values OpenAI documents.
    static let reasoningEfforts: Set<String> = ["none", "minimal", "low", "medium", "high"]

    /// Decodes and validates a request body.
    /// - Parameter body: The JSON body.
    /// - Returns: The request.
    /// - Throws: ``ChatError`` 400 naming the field at fault.
    public static func decode(_ body: some Collection<UInt8>) throws(ChatError) -> ChatCompletionRequest {
        let data = Data(body)
        guard !data.isEmpty else { throw .invalidRequest("The request body is empty; expected a chat completions JSON object.", code: "invalid_json") }
        let request: ChatCompletionRequest
        do {
            request = try JSONDecoder().decode(KnownFieldsOnly.self, from: data).request
        } catch let error as ChatError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            if let fault = textFault(in: data) { throw fault }
            // The decoder reports a number its field cannot hold (1.5 or 2^70 for an integer) as invalid JSON; a body
            // that does parse as JSON is told so plainly.
            if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
                throw .invalidRequest("A number in the request does not fit its field: integer fields (max_tokens, max_completion_tokens, n, seed) take whole numbers up to 2^63-1.",
                                      code: "invalid_value")
            }
            throw .invalidRequest("The request body is not valid JSON.", code: "invalid_json")
        } catch let error as DecodingError {
            if let fault = textFault(in: data) { throw fault }
            throw describe(error)
        } catch {
            throw .invalidRequest("The request could not be decoded.", code: "invalid_value")
        }
        try validate(request)
        return request
    }

    /// The most levels of arrays and objects Foundation's JSON parsers read; a body nested deeper is "not valid JSON"
    /// to them.
    static let maximumNesting = 512

    /// What the decoder misnames in a body it could not decode: text that is not valid UTF-8 or holds an unpaired
    /// UTF-16 surrogate escape (`\ud800`), both reported as the wrong type for their field ("expected an array") or
    /// as invalid JSON, and nesting deeper than ``maximumNesting`` ("not valid JSON"). Looked for only once decoding
    /// failed, so a good request's body is not scanned again.
    /// - Parameter data: The body.
    /// - Returns: A 400 `invalid_json` saying which, or `nil` when the body has none of these faults.
    private static func textFault(in data: Data) -> ChatError? {
        guard String(validating: data, as: UTF8.self) != nil else {
            return .invalidRequest("The request body is not valid UTF-8 text.", code: "invalid_json")
        }
        return data.withUnsafeBytes { bytes -> ChatError? in
            func unit(at index: Int) -> UInt16? {
                guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                return UInt16(String(decoding: bytes[(index + 2)..<(index + 6)], as: UTF8.self), radix: 16)
            }
            var depth = 0, deepest = 0, inString = false, index = 0
            while index < bytes.count {
                switch (bytes[index], inString) {
                case (UInt8(ascii: "\\"), true):
                    guard let first = unit(at: index) else { index += 2; continue }
                    if (0xD800...0xDBFF).contains(first), let second = unit(at: index + 6), (0xDC00...0xDFFF).contains(second) {
                        index += 12
                        continue
                    }
                    if (0xD800...0xDFFF).contains(first) {
                        // A surrogate is four hex digits, d800 to dfff: nothing else of the body is named.
                        return .invalidRequest("A string in the request holds an unpaired UTF-16 surrogate (\\u\(String(first, radix: 16))), which is not text: escape a character outside the Basic Multilingual Plane as a pair, or send it as UTF-8.",
                                               code: "invalid_json")
                    }
                    index += 6
                    continue
                case (UInt8(ascii: "\""), _): inString.toggle()
                case (UInt8(ascii: "["), false), (UInt8(ascii: "{"), false):
                    depth += 1
                    deepest = max(deepest, depth)
                case (UInt8(ascii: "]"), false), (UInt8(ascii: "}"), false): depth -= 1
                default: break
                }
                index += 1
            }
            guard deepest > maximumNesting else { return nil }
            return .invalidRequest("The request body nests deeper than \(maximumNesting) levels of arrays and objects.", code: "invalid_json")
        }
    }

    /// The request, decoded in one pass over the body once its top-level keys are found to be accepted ones.
    private struct KnownFieldsOnly: Decodable {
        let request: ChatCompletionRequest

        private struct AnyKey: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container: KeyedDecodingContainer<AnyKey>
            do {
                container = try decoder.container(keyedBy: AnyKey.self)
            } catch {
                throw ChatError.invalidRequest("The request body must be a JSON object.", code: "invalid_json")
            }
            if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !ChatCompletionRequest.fieldNames.contains($0) }) {
                let why = litellmKeywords.contains(unknown)
                    ? "it is a server-side setting that callers may not choose"
                    : "it is not an OpenAI chat completions field accepted here"
                throw ChatError.invalidRequest("Unrecognized request argument '\(unknown)': \(why).", code: "unknown_field", param: unknown)
            }
            request = try ChatCompletionRequest(from: decoder)
        }
    }

    /// Checks roles, contents and ranges of a decoded request.
    /// - Parameter request: The request.
    /// - Throws: ``ChatError`` 400.
    public static func validate(_ request: ChatCompletionRequest) throws(ChatError) {
        func invalid(_ param: String, _ message: String) -> ChatError {
            .invalidRequest("Invalid '\(param)': \(message)", code: "invalid_value", param: param)
        }
        guard !request.model.isEmpty else { throw invalid("model", "must be a non-empty string.") }
        guard !request.messages.isEmpty else { throw invalid("messages", "must hold at least one message.") }
        guard request.messages.count <= 2048 else { throw invalid("messages", "at most 2048 messages.") }
        var images = 0
        for (index, message) in request.messages.enumerated() {
            let path = "messages[\(index)]"
            switch message.role {
            case .tool:
                guard message.toolCallID?.isEmpty == false else { throw invalid("\(path).tool_call_id", "a tool message needs tool_call_id.") }
                guard message.content != nil else { throw invalid("\(path).content", "a tool message needs content.") }
            case .assistant:
                guard message.content != nil || message.toolCalls?.isEmpty == false else {
                    throw invalid("\(path).content", "an assistant message needs content or tool_calls.")
                }
            case .system, .developer, .user:
                guard message.content != nil else { throw invalid("\(path).content", "a \(message.role.rawValue) message needs content.") }
                guard message.toolCalls == nil else { throw invalid("\(path).tool_calls", "only assistant messages carry tool_calls.") }
            }
            if message.role != .tool, message.toolCallID != nil {
                throw invalid("\(path).tool_call_id", "only tool messages carry tool_call_id.")
            }
            if case .parts(let parts) = message.content {
                guard !parts.isEmpty else { throw invalid("\(path).content", "a content array needs at least one part.") }
                for (partIndex, part) in parts.enumerated() {
                    // A file part only as a PDF's bytes: a file_id would reach the files of the server's own account.
                    if case .file(let file) = part {
                        guard message.role == .user, file.fileID == nil,
                              file.fileData?.hasPrefix("data:application/pdf;base64,") == true else {
                            throw invalid("\(path).content[\(partIndex)].file",
                                          "only user messages may hold files, as file_data data:application/pdf;base64 URLs (file_id is refused).")
                        }
                        continue
                    }
                    guard case .imageURL(let url, let detail) = part else { continue }
                    let partPath = "\(path).content[\(partIndex)].image_url"
                    images += 1
                    guard images <= maximumImageParts else { throw invalid(partPath, "at most \(maximumImageParts) images per request.") }
                    guard message.role == .user else { throw invalid(partPath, "only user messages may hold images.") }
                    guard isAllowedImageURL(url) else { throw invalid("\(partPath).url", "only https:// URLs and data:image/... URLs are accepted.") }
                    if let detail, !["auto", "low", "high"].contains(detail) {
                        throw invalid("\(partPath).detail", "must be auto, low or high.")
                    }
                }
            }
            for (callIndex, call) in (message.toolCalls ?? []).enumerated() where call.type != "function" {
                throw invalid("\(path).tool_calls[\(callIndex)].type", "must be 'function'.")
            }
        }
        if let value = request.temperature, !(0...2).contains(value) { throw invalid("temperature", "must be between 0 and 2.") }
        if let value = request.topP, !(0...1).contains(value) { throw invalid("top_p", "must be between 0 and 1.") }
        if let value = request.presencePenalty, !(-2...2).contains(value) { throw invalid("presence_penalty", "must be between -2 and 2.") }
        if let value = request.frequencyPenalty, !(-2...2).contains(value) { throw invalid("frequency_penalty", "must be between -2 and 2.") }
        if let value = request.n, !(1...8).contains(value) { throw invalid("n", "must be between 1 and 8.") }
        if let value = request.maxTokens, value < 1 { throw invalid("max_tokens", "must be at least 1.") }
        if let value = request.maxCompletionTokens, value < 1 { throw invalid("max_completion_tokens", "must be at least 1.") }
        if case .many(let stops) = request.stop, stops.count > 4 { throw invalid("stop", "at most 4 sequences.") }
        if let effort = request.reasoningEffort, !reasoningEfforts.contains(effort) {
            throw invalid("reasoning_effort", "must be one of \(reasoningEfforts.sorted().joined(separator: ", ")).")
        }
        if let tools = request.tools {
            guard tools.count <= 128 else { throw invalid("tools", "at most 128 tools.") }
            for (index, tool) in tools.enumerated() {
                guard tool.type == "function" else { throw invalid("tools[\(index)].type", "must be 'function'.") }
                guard isValidFunctionName(tool.function.name) else {
                    throw invalid("tools[\(index)].function.name", "must be 1-64 letters, digits, '_' or '-'.")
                }
                if let parameters = tool.function.parameters, parameters.objectValue == nil {
                    throw invalid("tools[\(index)].function.parameters", "must be a JSON Schema object.")
                }
            }
        }
        if request.toolChoice != nil, request.tools?.isEmpty ?? true, request.toolChoice != ToolChoice.none {
            throw invalid("tool_choice", "is only allowed when tools are given.")
        }
    }

    /// `https://...` or `data:image/...;base64,...`: never plain http, file or other schemes the provider (or
    /// litellm, which downloads some image URLs itself) would fetch on the caller's behalf.
    static func isAllowedImageURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        if lower.hasPrefix("data:image/") { return lower.contains(";base64,") }
        guard lower.hasPrefix("https://"), let parsed = URLComponents(string: url), let host = parsed.host, !host.isEmpty
        else { return false }
        return true
    }

    static func isValidFunctionName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy {
            (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x5F || $0 == 0x2D
        }
    }

    /// A 400 naming the JSON path of a decoding failure (`messages[0].role`), without echoing the caller's values.
    static func describe(_ error: DecodingError) -> ChatError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in codingPath + (last.map { [$0] } ?? []) {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let param = path(context.codingPath, key)
            return .invalidRequest("Missing required parameter: '\(param)'.", code: "missing_required_parameter", param: param)
        case .typeMismatch(let type, let context):
            let param = path(context.codingPath)
            return .invalidRequest("Invalid type for '\(param)': expected \(describe(type)).", code: "invalid_type", param: param)
        case .valueNotFound(let type, let context):
            let param = path(context.codingPath)
            return .invalidRequest("Invalid type for '\(param)': expected \(describe(type)), got null.", code: "invalid_type", param: param)
        case .dataCorrupted(let context):
            let param = path(context.codingPath)
            var detail = context.debugDescription
            if detail.hasPrefix("Cannot initialize Role") { detail = "must be one of system, developer, user, assistant, tool." }
            return .invalidRequest("Invalid value for '\(param)': \(detail)", code: "invalid_value", param: param)
        @unknown default:
            return .invalidRequest("The request could not be decoded.", code: "invalid_value")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is [Any].Type: "an array"
        default: "\(type)".contains("Dictionary") || "\(type)".contains("Keyed") ? "an object" : "a value of type \(type)"
        }
    }
}
