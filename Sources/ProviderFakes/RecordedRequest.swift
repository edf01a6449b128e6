/// One HTTP request the fake received, as it arrived on the wire.
public struct RecordedRequest: Sendable, CustomStringConvertible {
    /// The request method, such as `POST`.
    public let method: String
    /// The request target as sent, query included, such as `/v1/chat/completions`.
    public let path: String
    /// The request headers in arrival order, names as sent.
    public let headers: [(name: String, value: String)]
    /// The request body (de-chunked when it arrived chunked).
    public let body: [UInt8]
    /// The model name the scenario was read from: the `model` field of the JSON body, or for Bedrock the
    /// percent-decoded model id in the path. `nil` when the request had none.
    public let model: String?
    /// 1 for the first request the server received, then 2, 3, ...
    public let sequenceNumber: Int
    /// Which TCP connection carried the request: 1 for the first connection accepted, then 2, 3, ...
    /// Requests that share a keep-alive connection share this number.
    public let connectionNumber: Int

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The value of the first header with this name, compared case-insensitively.
    /// - Parameter name: A header name such as `authorization`.
    /// - Returns: The header's value, or `nil` if the request has no such header.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first(where: { $0.name.lowercased() == lowered })?.value
    }

    /// `METHOD path (model)`.
    public var description: String { "\(method) \(path)" + (model.map { " (\($0))" } ?? "") }
}
