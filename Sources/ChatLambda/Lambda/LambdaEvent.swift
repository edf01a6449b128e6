import Foundation

/// What an invocation's event is: an HTTP request (Function URL or API Gateway HTTP API, payload 2.0), or a direct
/// invoke whose event is the chat completions request itself.
public enum LambdaEvent: Sendable {
    /// A Function URL or API Gateway payload 2.0 event.
    case http(ChatHTTPRequest)
    /// An HTTP event that cannot be read (e.g. a body marked base64 that is not): answered as an HTTP error.
    case malformedHTTP(ChatError)
    /// Any other event: the chat completions JSON.
    case direct([UInt8])

    /// Classifies an event: `{"version": "2.0", "requestContext": {"http": {...}}, ...}` is HTTP, anything else
    /// (including invalid JSON, which the chat function then refuses) is a direct invoke.
    /// - Parameter event: The event bytes from `/next`.
    /// - Returns: The event.
    public static func decode(_ event: [UInt8]) -> LambdaEvent {
        // A cheap look before parsing: a direct invoke's request never starts with these keys' structure, and
        // parsing twice would double the cost of every direct invoke.
        guard event.count < 64 * 1024 * 1024, containsRequestContext(event),
              let object = (try? JSONSerialization.jsonObject(with: Data(event))) as? [String: Any],
              object["version"] as? String == "2.0",
              let context = object["requestContext"] as? [String: Any],
              let http = context["http"] as? [String: Any]
        else { return .direct(event) }
        guard let method = http["method"] as? String, !method.isEmpty else {
            return .malformedHTTP(.invalidRequest("The HTTP event has no requestContext.http.method.", code: "invalid_event"))
        }
        let path = (object["rawPath"] as? String) ?? (http["path"] as? String) ?? "/"
        var headers: [String: String] = [:]
        for (name, value) in (object["headers"] as? [String: Any]) ?? [:] {
            if let value = value as? String { headers[name.lowercased()] = value }
        }
        var body: [UInt8] = []
        if let text = object["body"] as? String {
            if object["isBase64Encoded"] as? Bool == true {
                guard let data = Data(base64Encoded: text, options: [.ignoreUnknownCharacters]) else {
                    return .malformedHTTP(.invalidRequest("The body is marked base64 but is not valid base64.", code: "invalid_body_encoding"))
                }
                body = Array(data)
            } else {
                body = Array(text.utf8)
            }
        } else if object["body"] != nil, !(object["body"] is NSNull) {
            return .malformedHTTP(.invalidRequest("The HTTP event's body is not a string.", code: "invalid_event"))
        }
        return .http(ChatHTTPRequest(method: method, path: path, headers: headers, body: body))
    }

    private static let marker = Array("\"requestContext\"".utf8)

    private static func containsRequestContext(_ event: [UInt8]) -> Bool {
        guard event.count >= marker.count else { return false }
        var index = 0
        while index <= event.count - marker.count {
            if event[index] == marker[0], event[index..<(index + marker.count)].elementsEqual(marker) { return true }
            index += 1
        }
        return false
    }
}
