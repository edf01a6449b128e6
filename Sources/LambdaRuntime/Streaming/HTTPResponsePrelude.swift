import JSONText
import NIOCore

/// The status, headers and cookies of a streamed HTTP answer (a Function URL or API Gateway in response-streaming
/// mode): Lambda reads them as JSON before the body, separated from it by 8 NUL bytes, when the stream's content
/// type is `application/vnd.awslambda.http-integration-response`.
///
/// ```swift
/// try await writer.beginStreaming(HTTPResponsePrelude(statusCode: 200, headers: ["content-type": "text/event-stream"]))
/// try await writer.write(ByteBuffer(string: "data: ...\n\n"))
/// try await writer.finish()
/// ```
public struct HTTPResponsePrelude: Sendable, Equatable {
    /// The content type that tells Lambda a prelude comes first.
    public static let contentType = "application/vnd.awslambda.http-integration-response"

    /// The HTTP status.
    public var statusCode: Int
    /// The response headers.
    public var headers: [String: String]
    /// `Set-Cookie` values, sent as the payload 2.0 `cookies` list.
    public var cookies: [String]

    /// Creates a prelude.
    public init(statusCode: Int, headers: [String: String] = [:], cookies: [String] = []) {
        self.statusCode = statusCode
        self.headers = headers
        self.cookies = cookies
    }

    /// `{"statusCode":..,"headers":{..}}` (with `"cookies"` when there are any), then 8 NUL bytes.
    public var bytes: [UInt8] {
        var json = "{\"statusCode\":\(statusCode),\"headers\":{"
        json += headers.sorted { $0.key < $1.key }.map { "\(JSONString.quoted($0.key)):\(JSONString.quoted($0.value))" }
            .joined(separator: ",")
        json += "}"
        if !cookies.isEmpty { json += ",\"cookies\":[" + cookies.map { JSONString.quoted($0) }.joined(separator: ",") + "]" }
        json += "}"
        return Array(json.utf8) + [UInt8](repeating: 0, count: 8)
    }
}

extension LambdaResponseStreamWriter {
    /// Starts a streamed HTTP answer: the http-integration content type, then `prelude` as the first bytes; the
    /// body follows with ``write(_:)``. Until the prelude is sent, a throw is still a plain invocation error.
    /// - Parameter prelude: The status, headers and cookies.
    /// - Throws: As ``beginStreaming(contentType:)`` and ``write(_:)``.
    public func beginStreaming(_ prelude: HTTPResponsePrelude) async throws {
        try await beginStreaming(contentType: HTTPResponsePrelude.contentType)
        try await write(ByteBuffer(bytes: prelude.bytes))
    }
}
