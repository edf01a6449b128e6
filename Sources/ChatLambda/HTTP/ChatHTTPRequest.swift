/// An HTTP request as the chat function sees it, whatever carried it (a Function URL event, API Gateway, the local
/// server).
public struct ChatHTTPRequest: Sendable {
    /// `GET`, `POST`, ...
    public var method: String
    /// The path without the query, e.g. `/v1/chat/completions` (an API Gateway stage prefix is allowed).
    public var path: String
    /// Header values by lower-case name.
    public var headers: [String: String]
    /// The body bytes (already base64-decoded).
    public var body: [UInt8]

    /// Creates a request.
    /// - Parameters:
    ///   - method: The method.
    ///   - path: The path.
    ///   - headers: Headers; names are lower-cased here.
    ///   - body: The body.
    public init(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method.uppercased()
        self.path = path
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }
}
