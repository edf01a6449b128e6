public import Logging

/// Sets up swift-log the way Lambda's log pipeline expects.
public enum LambdaLogging {
    /// Installs ``LambdaLogHandler`` as the process-wide log handler, with the format and level the environment
    /// asks for. Call once, first thing in `main`: swift-log traps on a second bootstrap.
    public static func bootstrap() {
        let format = LambdaLogging.format
        let level = LambdaLogging.level
        LoggingSystem.bootstrap { label in LambdaLogHandler(label: label, format: format, logLevel: level) }
    }

    /// `.json` when `AWS_LAMBDA_LOG_FORMAT` is `JSON` (any case), else `.text`.
    public static var format: LambdaLogHandler.Format {
        Environment.get("AWS_LAMBDA_LOG_FORMAT")?.uppercased() == "JSON" ? .json : .text
    }

    /// `AWS_LAMBDA_LOG_LEVEL` (Lambda's names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL), else `LOG_LEVEL`
    /// (swift-log's names), else `.info`.
    public static var level: Logger.Level {
        for name in ["AWS_LAMBDA_LOG_LEVEL", "LOG_LEVEL"] {
            guard let value = Environment.get(name)?.lowercased() else { continue }
            switch value {
            case "warn": return .warning
            case "fatal": return .critical
            default: if let level = Logger.Level(rawValue: value) { return level }
            }
        }
        return .info
    }
}
