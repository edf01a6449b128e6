import Foundation
import NIOHTTP1

/// The checks that keep a web page the developer visits from driving the local server: any page can send requests to
/// a loopback port, and with DNS rebinding a page's own host name can point at 127.0.0.1.
///
/// - `Host` must name this server: `localhost`, `127.0.0.1`, `[::1]`, the bound address or an allowed name (any
///   port). HTTP/1.1 requires the header; an HTTP/1.0 request without it (no browser sends one) passes.
/// - An `Origin` header (browsers send one on every cross-origin request and on every POST) must be an allowed origin.
/// - A POST must be `application/json`: what a page can send without a CORS preflight (`text/plain`, forms) is not.
struct LocalRequestCheck {
    let limits: LocalServerLimits
    let boundHost: String

    static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "[::1]", "::1"]

    /// The error to answer instead of serving the request, or `nil` to serve it.
    /// - Parameter headers: Names in lower case.
    func refusal(method: HTTPMethod, version: HTTPVersion, headers: [String: String]) -> ChatError? {
        if let host = headers["host"] {
            let name = Self.hostName(host)
            if !(Self.loopbackNames.contains(name) || name == boundHost.lowercased() || limits.allowedHosts.contains(name)) {
                return ChatError(status: 403, type: "invalid_request_error", code: "host_not_allowed",
                                 message: "This server answers requests for localhost only; add the host name to EMBEDCHAT_LOCAL_ALLOWED_HOSTS to allow it.")
            }
        } else if version.major == 1 && version.minor >= 1 {
            return ChatError.invalidRequest("An HTTP/1.1 request needs a Host header.", code: "missing_host")
        }
        if let origin = headers["origin"], !limits.allowedOrigins.contains(origin.lowercased()) {
            return ChatError(status: 403, type: "invalid_request_error", code: "origin_not_allowed",
                             message: "Requests from web pages are refused; add the page's origin to EMBEDCHAT_LOCAL_ALLOWED_ORIGINS to allow it.")
        }
        if method == .POST {
            let mediaType = (headers["content-type"] ?? "").split(separator: ";", maxSplits: 1).first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if mediaType != "application/json" {
                return ChatError(status: 415, type: "invalid_request_error", code: "unsupported_media_type",
                                 message: "Send the request body as JSON with 'Content-Type: application/json'.")
            }
        }
        return nil
    }

    /// The name part of a `Host` value, lower case: `[::1]:7000` → `[::1]`, `localhost:7000` → `localhost`.
    static func hostName(_ host: String) -> String {
        let value = host.trimmingCharacters(in: .whitespaces).lowercased()
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") { return String(value[...close]) }
        return String(value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}
