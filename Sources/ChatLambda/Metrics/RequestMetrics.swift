public import Foundation
import Synchronization

/// What one request did, as one CloudWatch Embedded Metric Format line: namespace `embedchat`, dimensions `model`
/// and `caller` (and each alone), metrics `Latency` and `TimeToFirstToken` (ms), `PromptTokens`,
/// `CompletionTokens`, `CostUSD`, `Requests`, `Errors`, and `status`, `route`, `deployment`, `overheadMs` as
/// properties. It holds names and numbers only: never a prompt, a key or a base URL.
public struct RequestMetrics: Sendable, Equatable {
    /// `chat`, `embeddings`, `models` or `http`.
    public var route: String
    /// The public model name (`-` before one is known).
    public var model = "-"
    /// The caller's name (`-` before one is known).
    public var caller = "-"
    /// The HTTP status (or what it would be, for a direct invoke).
    public var status = 200
    /// When the request arrived.
    public var started: ContinuousClock.Instant
    /// Time spent in the provider call (litellm's call, from the call to its answer or the stream's end).
    public var providerTime: Duration = .zero
    /// Time to the first streamed chunk, for streams.
    public var timeToFirstToken: Duration?
    /// Prompt tokens, when known.
    public var promptTokens = 0
    /// Completion tokens, when known.
    public var completionTokens = 0
    /// litellm's cost in USD, when it knows the model's prices.
    public var cost: Double?
    /// The index of the deployment that answered, for models with deployments (`fallback/index` when a fallback
    /// model answered).
    public var deployment: String?

    /// Starts the record of one request.
    public init(route: String, started: ContinuousClock.Instant = .now) {
        self.route = route
        self.started = started
    }

    /// Time outside the provider call so far (the `x-embedchat-overhead-ms` header).
    public func overhead(at now: ContinuousClock.Instant = .now) -> Duration { max(.zero, (now - started) - providerTime) }

    /// The EMF line (without the newline).
    /// - Parameters:
    ///   - now: The end of the request.
    ///   - timestamp: Milliseconds since the epoch.
    public func emfLine(at now: ContinuousClock.Instant = .now, timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> [UInt8] {
        var metrics: [[String: String]] = [
            ["Name": "Latency", "Unit": "Milliseconds"], ["Name": "Requests", "Unit": "Count"], ["Name": "Errors", "Unit": "Count"],
            ["Name": "PromptTokens", "Unit": "Count"], ["Name": "CompletionTokens", "Unit": "Count"],
        ]
        var line: [String: Any] = [
            "model": model, "caller": caller, "route": route, "status": status,
            "Latency": Self.milliseconds(now - started), "Requests": 1, "Errors": status >= 400 ? 1 : 0,
            "PromptTokens": promptTokens, "CompletionTokens": completionTokens,
            "overheadMs": Self.milliseconds(overhead(at: now)),
        ]
        if let timeToFirstToken {
            metrics.append(["Name": "TimeToFirstToken", "Unit": "Milliseconds"])
            line["TimeToFirstToken"] = Self.milliseconds(timeToFirstToken)
        }
        if let cost {
            metrics.append(["Name": "CostUSD", "Unit": "None"])
            line["CostUSD"] = cost
        }
        if let deployment { line["deployment"] = deployment }
        line["_aws"] = [
            "Timestamp": timestamp,
            "CloudWatchMetrics": [[
                "Namespace": "embedchat",
                "Dimensions": [["model", "caller"], ["model"], ["caller"]],
                "Metrics": metrics,
            ] as [String: Any]],
        ] as [String: Any]
        return JSON.bytes(line)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15).rounded(toPlaces: 3)
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}

/// Where EMF lines go: stdout, one `write` per line so lines from concurrent requests never interleave (Lambda sends
/// stdout to CloudWatch Logs, which extracts the metrics).
public final class MetricsSink: Sendable {
    private let write: @Sendable ([UInt8]) -> Void
    private let lock = Mutex(())

    /// A sink that writes to stdout.
    public static let standardOutput = MetricsSink { line in
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }

    /// A sink that hands each line to `write` (tests).
    public init(_ write: @escaping @Sendable ([UInt8]) -> Void) { self.write = write }

    /// Writes one line.
    public func emit(_ metrics: RequestMetrics) {
        let line = metrics.emfLine() + [UInt8(ascii: "\n")]
        lock.withLock { _ in write(line) }
    }
}
