import JSONText
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that writes one line per message to standard error, as Lambda collects it.
///
/// JSON lines follow Lambda's JSON log format: `{"timestamp","level","message","requestId","logger",...}` with
/// the remaining metadata as extra fields. Text lines read `timestamp LEVEL [requestId] message key=value`.
/// The request id comes from the `requestID` metadata that ``LambdaContext/logger`` carries.
public struct LambdaLogHandler: LogHandler {
    /// The line format.
    public enum Format: Sendable {
        /// Human-readable lines.
        case text
        /// One JSON object per line (`AWS_LAMBDA_LOG_FORMAT=JSON`).
        case json
    }

    /// Handler-level metadata.
    public var metadata: Logger.Metadata = [:]
    /// Contributes metadata when a message is emitted.
    public var metadataProvider: Logger.MetadataProvider?
    /// The minimum level emitted.
    public var logLevel: Logger.Level

    private let label: String
    private let format: Format
    private let output: @Sendable (String) -> Void

    /// Creates a handler.
    /// - Parameters:
    ///   - label: The logger's label, emitted as `logger`.
    ///   - format: Text or JSON lines.
    ///   - logLevel: The minimum level.
    ///   - metadataProvider: Contextual metadata, if any.
    ///   - output: Receives each finished line, newline included; standard error by default.
    public init(
        label: String,
        format: Format,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil,
        output: @escaping @Sendable (String) -> Void = LambdaLogHandler.writeToStandardError
    ) {
        self.label = label
        self.format = format
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
        self.output = output
    }

    /// Gets or sets one metadata value.
    /// - Parameter key: The metadata key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats and writes one message.
    /// - Parameter event: The message with its level and metadata.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        let requestID = merged.removeValue(forKey: "requestID").map { "\($0)" }
        let line: String
        switch format {
        case .json: line = jsonLine(event, requestID: requestID, metadata: merged)
        case .text: line = textLine(event, requestID: requestID, metadata: merged)
        }
        output(line)
    }

    /// Writes a line to file descriptor 2 with as few `write` calls as possible, so lines from different threads
    /// don't interleave.
    /// - Parameter line: The line, newline included.
    public static let writeToStandardError: @Sendable (String) -> Void = { line in
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    private static let reservedKeys: Set<String> = ["timestamp", "level", "message", "requestId", "logger"]

    private func jsonLine(_ event: LogEvent, requestID: String?, metadata: Logger.Metadata) -> String {
        var line = #"{"timestamp":"\#(WallClock.iso8601Now())","level":"\#(Self.lambdaLevel(event.level))""#
        line += #","message":\#(JSONString.quoted(event.message.description))"#
        if let requestID { line += #","requestId":\#(JSONString.quoted(requestID))"# }
        line += #","logger":\#(JSONString.quoted(label))"#
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !Self.reservedKeys.contains(key) {
            line += ",\(JSONString.quoted(key)):\(Self.json(value))"
        }
        return line + "}\n"
    }

    private func textLine(_ event: LogEvent, requestID: String?, metadata: Logger.Metadata) -> String {
        var line = "\(WallClock.iso8601Now()) \(Self.lambdaLevel(event.level))"
        if let requestID { line += " [\(requestID)]" }
        line += " \(event.message)"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        return line + "\n"
    }

    /// Lambda's level names, which its log filtering understands.
    private static func lambdaLevel(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "FATAL"
        }
    }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): JSONString.quoted(string)
        case .stringConvertible(let convertible): JSONString.quoted(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted(by: { $0.key < $1.key })
                .map { "\(JSONString.quoted($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }
}
