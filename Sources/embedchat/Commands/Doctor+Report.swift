import Foundation

extension EmbedChat.Doctor {
    /// What `doctor` found, printed as text or (with --json) as one JSON object.
    struct Report: Encodable {
        var ok: Bool
        var error: String?
        var packagePaths: [String]
        var pythonHome: String?
        var pythonVersion: String?
        var libpython: String?
        var sysPath: [String]?
        var litellmVersion: String?
        var interpreterSeconds: Double?
        var importSeconds: Double?
        var startupSeconds: Double?
        var defaultModel: String
        var defaultModelSource: String
        var providerKeysSet: [String]

        enum CodingKeys: String, CodingKey {
            case ok, error
            case packagePaths = "package_paths"
            case pythonHome = "python_home"
            case pythonVersion = "python_version"
            case libpython
            case sysPath = "sys_path"
            case litellmVersion = "litellm_version"
            case interpreterSeconds = "interpreter_seconds"
            case importSeconds = "import_seconds"
            case startupSeconds = "startup_seconds"
            case defaultModel = "default_model"
            case defaultModelSource = "default_model_source"
            case providerKeysSet = "provider_keys_set"
        }
    }

    /// The report as the lines `doctor` prints without --json.
    static func text(_ report: Report) -> String {
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.2f s", $0) } ?? "-" }
        var lines = ["embedchat doctor"]
        lines.append("  status:          " + (report.ok ? "ok, litellm imported" : "FAILED: \(report.error ?? "")"))
        lines.append("  package paths:   " + report.packagePaths.joined(separator: ":"))
        lines.append("  python home:     " + (report.pythonHome ?? "(default: found from libpython)"))
        if let version = report.pythonVersion { lines.append("  python version:  \(version)") }
        if let library = report.libpython { lines.append("  libpython:       \(library)") }
        if let path = report.sysPath {
            lines.append("  sys.path:")
            lines += path.map { "    \($0)" }
        }
        if let version = report.litellmVersion { lines.append("  litellm:         \(version)") }
        if report.ok {
            lines.append("  start-up:        \(seconds(report.startupSeconds)) (interpreter \(seconds(report.interpreterSeconds)), "
                         + "import litellm \(seconds(report.importSeconds)))")
        }
        lines.append("  default model:   \(report.defaultModel) (\(report.defaultModelSource))")
        lines.append("  provider keys:   " + (report.providerKeysSet.isEmpty ? "none set"
            : report.providerKeysSet.joined(separator: ", ") + " (set; values not shown)"))
        return lines.joined(separator: "\n") + "\n"
    }
}
