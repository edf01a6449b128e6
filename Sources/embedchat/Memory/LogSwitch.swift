import CLIConfig
import Foundation

/// `embedchat logs off|on`: a marker file beside the log.
enum LogSwitch {
    static func isOn(_ paths: XDGPaths, environment: [String: String]) -> Bool {
        if let value = environment["EMBEDCHAT_LOG"]?.lowercased(), ["0", "off", "false", "no"].contains(value) { return false }
        return !FileManager.default.fileExists(atPath: paths.logsOffMarker)
    }
}
