import PythonEmbed

// Where embedchat's interpreter finds Python: application knowledge, so it lives here and not in PythonEmbed.

extension InterpreterEnvironment {
    /// embedchat's settings: `EMBEDCHAT_PYTHONPATH` (colon-separated; default `/opt/python`, where the Lambda layer
    /// is mounted, which is also the first home tried) and `EMBEDCHAT_PYTHONHOME`.
    public static let embedchat = InterpreterEnvironment(
        packagePathVariable: "EMBEDCHAT_PYTHONPATH", homeVariable: "EMBEDCHAT_PYTHONHOME",
        defaultLocation: "/opt/python", packageSetup: "run scripts/setup.sh to make .python/")
}

extension InterpreterConfiguration {
    /// embedchat's interpreter configuration from `environment` (default: the process's); see
    /// ``InterpreterEnvironment/embedchat``.
    public static func fromEnvironment(_ environment: [String: String]? = nil) -> Self {
        fromEnvironment(.embedchat, environment)
    }
}
