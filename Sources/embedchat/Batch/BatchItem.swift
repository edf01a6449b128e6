import Foundation
import LiteLLM

/// One input line, parsed.
struct BatchItem: Sendable {
    let line: Int
    let customID: String?
    /// The request, or why the line could not be read.
    let request: Result<ChatCompletionRequest, BatchError>

    /// The non-blank lines of `text` as requests, with the model options as defaults.
    static func parse(_ text: String, settings: ModelSettings) -> [BatchItem] {
        var items: [BatchItem] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty else { continue }
            items.append(item(line, number: index + 1, settings: settings))
        }
        return items
    }

    private static func item(_ line: String, number: Int, settings: ModelSettings) -> BatchItem {
        func invalid(_ message: String, _ customID: String? = nil) -> BatchItem {
            BatchItem(line: number, customID: customID, request: .failure(BatchError(type: "invalid_request", status: nil, message: message)))
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) else {
            return invalid("line \(number) is not valid JSON")
        }
        if let prompt = value.stringValue {
            return BatchItem(line: number, customID: nil, request: .success(settings.request([.user(prompt)])))
        }
        guard var object = value.objectValue else {
            return invalid("line \(number) must be a JSON string (a prompt) or an object (a chat request)")
        }
        let customID = object["custom_id"]?.stringValue
        if let body = object["body"]?.objectValue { object = body }
        if let prompt = object["prompt"]?.stringValue, object["messages"] == nil {
            var messages: [ChatMessage] = []
            if let system = object["system"]?.stringValue { messages.append(.system(system)) }
            messages.append(.user(prompt))
            return BatchItem(line: number, customID: customID,
                             request: .success(settings.request(messages, model: object["model"]?.stringValue)))
        }
        guard object["messages"] != nil else {
            return invalid("line \(number) has neither \"messages\" nor \"prompt\"", customID)
        }
        if object["model"]?.stringValue == nil { object["model"] = .string(settings.model) }
        do {
            let data = try JSONEncoder().encode(JSONValue.object(object))
            var request = try JSONDecoder().decode(ChatCompletionRequest.self, from: data)
            request.messages = ModelSettings.messages(request.messages, system: settings.system)
            if request.temperature == nil { request.temperature = settings.temperature }
            if request.maxTokens == nil && request.maxCompletionTokens == nil { request.maxTokens = settings.maxTokens }
            request.stream = nil
            request.streamOptions = nil
            return BatchItem(line: number, customID: customID, request: .success(request))
        } catch {
            return invalid("line \(number) is not a valid chat request: \(Self.describe(error))", customID)
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing \(([key] + context.codingPath.reversed()).reversed().map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
