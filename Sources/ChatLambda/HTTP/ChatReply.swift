/// What the chat function answers: a whole response, or a 200 event stream that the transport sends as it comes
/// (or collects, when it cannot stream).
public enum ChatReply: Sendable {
    /// A whole successful response (a completion, the model list).
    case response(ChatHTTPResponse)
    /// An error before anything was sent.
    case failure(ChatError)
    /// A `text/event-stream` of completion chunks; the provider has already accepted the request.
    case eventStream(ChatEventStream)

    /// The reply as one HTTP response, for a failure or a whole response (`nil` for an event stream).
    public var httpResponse: ChatHTTPResponse? {
        switch self {
        case .response(let response): response
        case .failure(let error): ChatHTTPResponse(error)
        case .eventStream: nil
        }
    }

    /// The headers of an event stream answer.
    public static let eventStreamHeaders = ["content-type": "text/event-stream", "cache-control": "no-cache"]
}
