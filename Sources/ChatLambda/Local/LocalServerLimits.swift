public import Foundation  // a public default argument reads ProcessInfo; trimmingCharacters(in:) is Foundation's

/// What `bootstrap --local` accepts, and for how long it waits: the front door of a server someone may expose.
///
/// Each limit has a variable (`EMBEDCHAT_LOCAL_*`, read by ``fromEnvironment(_:)``); the body cap is the chat
/// function's own `EMBEDCHAT_MAX_REQUEST_BYTES`.
public struct LocalServerLimits: Sendable, Equatable {
    /// The most bytes of header names and values in one request (`EMBEDCHAT_LOCAL_MAX_HEADER_BYTES`, 16 KiB); a
    /// larger head gets a 400 `headers_too_large` and the connection is closed.
    public var maxHeaderBytes = 16 * 1024
    /// The most connections open at once (`EMBEDCHAT_LOCAL_MAX_CONNECTIONS`, 128); one more is answered
    /// 503 with `retry-after` and closed.
    public var maxConnections = 128
    /// The most requests answered at once (`EMBEDCHAT_LOCAL_MAX_REQUESTS`, 64); one more gets 503 with `retry-after`
    /// instead of waiting in a queue.
    public var maxRequestsInFlight = 64
    /// The most requests inside the chat function (and so inside Python's event loop) at once
    /// (`EMBEDCHAT_MAX_IN_FLIGHT`; unset: every request the door admits goes in); the others admitted at the door wait
    /// their turn in arrival order (``AdmissionQueue``), none is dropped. Off by default because a turn lasts the whole
    /// provider call: against a real provider answering in seconds, a limit of 16 would cap the server at 16 calls at
    /// once. Set it for a fast upstream where the server is CPU-bound: measured with
    /// `scripts/bench/proxy-side-by-side.sh` at 64 connections against the loopback fake, with every request inside at
    /// once httpx keeps at most 20 upstream connections alive and opens a new one for about every third call, and the
    /// loop interleaves them all (p99 above a second); at 16 (or 8) the pool is reused and p99 falls to about 0.4 s.
    public var maxInFlight: Int?
    /// How long a request may wait for its turn (`EMBEDCHAT_LOCAL_QUEUE_WAIT_SECONDS`, 30); past it the request is
    /// answered 503 with `retry-after` without reaching the chat function.
    public var queueWait = Duration.seconds(30)
    /// How long a connection may take to deliver a whole request, counted from when it opened or its previous answer
    /// ended (`EMBEDCHAT_LOCAL_READ_TIMEOUT_SECONDS`, 30): idle keep-alive connections and slow clients (slow-loris)
    /// are closed then, with a 408 if a request had begun.
    public var readTimeout = Duration.seconds(30)
    /// The `retry-after` seconds sent with a 503.
    public var retryAfterSeconds = 1
    /// Host names the server answers besides `localhost`, `127.0.0.1`, `[::1]` and the bound address
    /// (`EMBEDCHAT_LOCAL_ALLOWED_HOSTS`, comma-separated); any other `Host` gets 403 (DNS rebinding).
    public var allowedHosts: Set<String> = []
    /// Browser origins allowed to call the server (`EMBEDCHAT_LOCAL_ALLOWED_ORIGINS`, comma-separated, e.g.
    /// `http://localhost:3000`); a request with any other `Origin` header gets 403. None by default.
    public var allowedOrigins: Set<String> = []

    /// The defaults.
    public init() {}

    /// A limit that is not a positive whole number.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// What was wrong, naming the variable.
        public let description: String
    }

    /// The defaults, overridden by the `EMBEDCHAT_LOCAL_*` variables that are set.
    /// - Parameter environment: The variables; the process's by default.
    /// - Returns: The limits.
    /// - Throws: ``Invalid`` naming a variable that is set but not a positive whole number.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LocalServerLimits {
        var limits = LocalServerLimits()
        func positive(_ name: String) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else {
                throw Invalid(description: "\(name) must be a positive whole number, not '\(text)'")
            }
            return value
        }
        func list(_ name: String) -> Set<String> {
            Set((environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty })
        }
        if let value = try positive("EMBEDCHAT_LOCAL_MAX_HEADER_BYTES") { limits.maxHeaderBytes = value }
        if let value = try positive("EMBEDCHAT_LOCAL_MAX_CONNECTIONS") { limits.maxConnections = value }
        if let value = try positive("EMBEDCHAT_LOCAL_MAX_REQUESTS") { limits.maxRequestsInFlight = value }
        if let value = try positive("EMBEDCHAT_MAX_IN_FLIGHT") { limits.maxInFlight = value }
        if let value = try positive("EMBEDCHAT_LOCAL_QUEUE_WAIT_SECONDS") { limits.queueWait = .seconds(value) }
        if let value = try positive("EMBEDCHAT_LOCAL_READ_TIMEOUT_SECONDS") { limits.readTimeout = .seconds(value) }
        limits.allowedHosts = list("EMBEDCHAT_LOCAL_ALLOWED_HOSTS")
        limits.allowedOrigins = list("EMBEDCHAT_LOCAL_ALLOWED_ORIGINS")
        return limits
    }
}
