#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the fake answers an invocation's `POST /response`.
public struct ResponseAnswer: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status sent back.
    public let status: Int

    /// 202 Accepted, as for any well-formed response.
    public static let accept = ResponseAnswer(status: 202)
    /// 413, as Lambda answers a response over its size limit.
    public static let tooLarge = ResponseAnswer(status: 413)
    /// 500, after which a runtime must exit.
    public static let serverError = ResponseAnswer(status: 500)

    /// `HTTP <status>`.
    public var description: String { "HTTP \(status)" }
}

/// The JSON body of `/error`, `/init/error`, or of the streaming error trailer.
public struct FunctionErrorBody: Sendable, Hashable, Decodable {
    /// `errorMessage`.
    public let errorMessage: String
    /// `errorType`.
    public let errorType: String
    /// `stackTrace`.
    public let stackTrace: [String]

    /// Creates an error body, to compare against.
    /// - Parameters:
    ///   - errorMessage: `errorMessage`.
    ///   - errorType: `errorType`.
    ///   - stackTrace: `stackTrace`.
    public init(errorMessage: String, errorType: String, stackTrace: [String] = []) {
        self.errorMessage = errorMessage
        self.errorType = errorType
        self.stackTrace = stackTrace
    }
}

/// One `POST` the runtime made for an invocation (`/response` or `/error`), as received.
public struct RecordedPost: Sendable {
    /// Which endpoint was posted to.
    public enum Endpoint: String, Sendable, Hashable {
        /// `/runtime/invocation/{id}/response`
        case response
        /// `/runtime/invocation/{id}/error`
        case error
    }

    /// Which endpoint was posted to.
    public let endpoint: Endpoint
    /// The status the fake answered.
    public let status: Int
    /// The request headers, in order.
    public let headers: [(name: String, value: String)]
    /// The whole request body (for a chunked request, the chunks joined).
    public let body: [UInt8]
    /// `Transfer-Encoding: chunked`.
    public let isChunked: Bool
    /// How many body parts the HTTP decoder reported: for a chunked body, one per chunk (a chunk split across TCP
    /// reads would count twice, which small test chunks on loopback don't).
    public let bodyPartCount: Int
    /// The HTTP trailers after the last chunk, if any were sent.
    public let trailers: [(name: String, value: String)]?
    /// `/error`: the `Lambda-Runtime-Function-Error-Type` header; `/response`: the trailer of that name.
    public let errorType: String?
    /// `/error`: the body; `/response`: the `Lambda-Runtime-Function-Error-Body` trailer, base64-decoded.
    public let errorBody: [UInt8]?
    /// The number of the connection the post came on (connections are numbered from 1 as the fake accepts them).
    public let connection: Int

    /// The body as UTF-8 text.
    public var bodyString: String { String(decoding: body, as: UTF8.self) }

    /// Whether the runtime asked for a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`).
    public var isStreamed: Bool { header("Lambda-Runtime-Function-Response-Mode")?.lowercased() == "streaming" }

    /// ``errorBody`` decoded, if it is the Runtime API's error JSON.
    public var error: FunctionErrorBody? {
        errorBody.flatMap { try? JSONDecoder().decode(FunctionErrorBody.self, from: Data($0)) }
    }

    /// The first request header with this name (case-insensitive).
    /// - Parameter name: The header name.
    /// - Returns: Its value, or `nil`.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The first trailer with this name (case-insensitive).
    /// - Parameter name: The trailer name.
    /// - Returns: Its value, or `nil`.
    public func trailer(_ name: String) -> String? {
        trailers?.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// How an invocation ended, with every post the runtime made for it.
public struct InvocationResult: Sendable {
    /// The invocation's request id.
    public let requestID: String
    /// Every post for this request id that the fake accepted or refused while the invocation was open, in order.
    public let posts: [RecordedPost]
    /// The number of the connection whose `/next` received the invocation.
    public let pollConnection: Int
    /// How many invocations were in flight (handed out, not yet ended) right after this one was handed out,
    /// itself included.
    public let inFlightAtHandOut: Int
    /// The most invocations in flight at one moment while this one was open, itself included: what really
    /// overlapped it, whatever the wall clock says.
    public let mostInFlight: Int

    /// The post that ended the invocation (the last one).
    public var final: RecordedPost { posts[posts.count - 1] }
    /// The final post's body.
    public var body: [UInt8] { final.body }
    /// The final post's body as UTF-8 text.
    public var bodyString: String { final.bodyString }
    /// True when the invocation failed: an `/error` post, or error trailers on a streamed response.
    public var isError: Bool { final.endpoint == .error || final.errorType != nil }
    /// The error type from the header or trailer.
    public var errorType: String? { final.errorType }
    /// The decoded error body.
    public var error: FunctionErrorBody? { final.error }
}

/// One `POST /runtime/init/error`.
public struct RecordedInitError: Sendable {
    /// The request headers.
    public let headers: [(name: String, value: String)]
    /// The body.
    public let body: [UInt8]
    /// The `Lambda-Runtime-Function-Error-Type` header.
    public var errorType: String? { headers.first { $0.name.lowercased() == "lambda-runtime-function-error-type" }?.value }
    /// The body decoded.
    public var error: FunctionErrorBody? { try? JSONDecoder().decode(FunctionErrorBody.self, from: Data(body)) }
}

/// Failures of the fake's own API.
public struct RuntimeAPIFakeError: Error, Sendable, CustomStringConvertible {
    /// A readable explanation.
    public let message: String
    /// The explanation.
    public var description: String { "RuntimeAPIFake: \(message)" }
}
