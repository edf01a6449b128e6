import Foundation

/// What a start-up error tells the user to do, in the application's terms (its settings, its set-up script).
public struct StartupHints: Sendable, Equatable {
    /// When the home holds no standard library.
    public var home: String
    /// When a package folder does not exist.
    public var packages: String
    /// When adding the package folders to `sys.path` failed.
    public var sitePackages: String

    public init(home: String = "Set the configuration's home to the folder that holds lib/python3.11/ (/usr for Debian's Python).",
                packages: String = "Set the configuration's package paths to folders that exist.",
                sitePackages: String = "Check the package paths and the .pth files in those folders.") {
        self.home = home
        self.packages = packages
        self.sitePackages = sitePackages
    }
}

/// The environment variables an application configures its interpreter with, and where it looks when they are unset.
public struct InterpreterEnvironment: Sendable {
    /// The variable holding the package folders, colon-separated.
    public var packagePathVariable: String
    /// The variable holding the Python home.
    public var homeVariable: String
    /// The package folder, and the first home tried, when the variables are unset (a Lambda layer's mount point).
    public var defaultLocation: String?
    /// How to make the package folder, for the hint when one is missing (e.g. the application's set-up script).
    public var packageSetup: String?

    public init(packagePathVariable: String, homeVariable: String, defaultLocation: String? = nil, packageSetup: String? = nil) {
        self.packagePathVariable = packagePathVariable
        self.homeVariable = homeVariable
        self.defaultLocation = defaultLocation
        self.packageSetup = packageSetup
    }
}

extension InterpreterConfiguration {
    /// Reads the application's two variables and `PYTHONMALLOC` (which the isolated configuration itself ignores)
    /// from `environment` (default: the process's), and words the start-up hints after those variables.
    public static func fromEnvironment(_ variables: InterpreterEnvironment, _ environment: [String: String]? = nil) -> Self {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let setup = variables.packageSetup.map { " (\($0))" } ?? ""
        let defaultHome = variables.defaultLocation.map { "\($0), or " } ?? ""
        var configuration = InterpreterConfiguration(
            packagePaths: variables.defaultLocation.map { [$0] } ?? [],
            homeCandidates: variables.defaultLocation.map { [$0] } ?? [],
            hints: StartupHints(
                home: "Set \(variables.homeVariable) to the folder that holds lib/python3.11/ (\(defaultHome)/usr for Debian's Python).",
                packages: "Set \(variables.packagePathVariable) to the folders holding the packages\(setup).",
                sitePackages: "Check \(variables.packagePathVariable) and the .pth files in those folders."))
        if let paths = environment[variables.packagePathVariable], !paths.isEmpty {
            configuration.packagePaths = paths.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let home = environment[variables.homeVariable], !home.isEmpty { configuration.home = home }
        if let allocator = environment["PYTHONMALLOC"] { configuration.allocator = Allocator(rawValue: allocator) }
        return configuration
    }
}
