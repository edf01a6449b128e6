import Foundation
import TOMLKit

/// `config.toml`: the default model, model aliases and named stdio MCP servers. Other tables are kept as they are
/// when embedchat rewrites the file.
///
/// ```toml
/// default_model = "fast"
///
/// [aliases]
/// fast = "openai/gpt-4o-mini"
/// claude = "anthropic/claude-3-5-haiku-latest"
///
/// [mcp]
/// time = "uvx mcp-server-time"
/// ```
public struct CLIConfiguration: Sendable, Equatable {
    /// The model used when `--model` is not given (before `EMBEDCHAT_DEFAULT_MODEL` and the built-in default).
    public var defaultModel: String?
    /// Short names for models: `-m fast` means `openai/gpt-4o-mini`.
    public var aliases: [String: String]
    /// Named stdio MCP servers, the `[mcp]` table's `name = "command args"` lines: `--mcp time` means
    /// `--mcp 'uvx mcp-server-time'`. Subtables of `[mcp]` are not read (and are kept on rewrite).
    public var mcpServers: [String: String]

    public init(defaultModel: String? = nil, aliases: [String: String] = [:], mcpServers: [String: String] = [:]) {
        self.defaultModel = defaultModel
        self.aliases = aliases
        self.mcpServers = mcpServers
    }

    /// `name` with an alias resolved (one level: an alias names a model, not another alias).
    public func resolve(_ name: String) -> String { aliases[name] ?? name }

    /// The command line of the MCP server `nameOrCommand` names in `[mcp]`, else `nameOrCommand` itself (a
    /// command line, as `--mcp` takes).
    public func mcpCommandLine(_ nameOrCommand: String) -> String { mcpServers[nameOrCommand] ?? nameOrCommand }

    /// Reads the file at `path`; a missing file is an empty configuration.
    /// - Throws: ``ConfigurationError`` naming the file, line and column when it is not valid TOML or a key has
    ///   the wrong type.
    public static func load(from path: String) throws -> CLIConfiguration {
        guard let table = try ConfigFile.read(path) else { return CLIConfiguration() }
        var configuration = CLIConfiguration()
        if let value = table["default_model"] {
            guard let model = value.string else {
                throw ConfigurationError("\(path): default_model must be a string, e.g. default_model = \"gpt-4o-mini\"")
            }
            configuration.defaultModel = model.isEmpty ? nil : model
        }
        if let value = table["aliases"] {
            guard let aliases = value.table else {
                throw ConfigurationError("\(path): [aliases] must be a table of name = \"model\" lines")
            }
            for key in aliases.keys {
                guard let model = aliases[key]?.string else {
                    throw ConfigurationError("\(path): alias \(key) must name a model as a string")
                }
                configuration.aliases[key] = model
            }
        }
        if let value = table["mcp"] {
            guard let servers = value.table else {
                throw ConfigurationError("\(path): [mcp] must be a table of name = \"command args\" lines")
            }
            // Subtables (`[mcp.something]`) are not named servers; they are left as they are.
            for key in servers.keys where servers[key]?.table == nil {
                guard let commandLine = servers[key]?.string,
                      !commandLine.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigurationError("\(path): MCP server \(key) must be a command line as a string, "
                                             + "e.g. \(key) = \"uvx mcp-server-time\"")
                }
                configuration.mcpServers[key] = commandLine
            }
        }
        return configuration
    }

    /// Sets (or with `nil` removes) an alias in the file at `path`, keeping everything else in it.
    public static func setAlias(_ name: String, to model: String?, in path: String) throws {
        try ConfigFile.update(path) { table in
            let aliases = table["aliases"]?.table ?? TOMLTable()
            if let model { aliases[name] = model } else { _ = aliases.remove(at: name) }
            table["aliases"] = aliases
        }
    }

    /// Sets the default model in the file at `path`, keeping everything else in it.
    public static func setDefaultModel(_ model: String, in path: String) throws {
        try ConfigFile.update(path) { table in table["default_model"] = model }
    }
}

/// A config file that cannot be read, parsed or written.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reading and rewriting the TOML file.
enum ConfigFile {
    static func read(_ path: String) throws -> TOMLTable? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError("\(path) is not valid TOML: \(error.description) at line \(error.source.begin.line), "
                                     + "column \(error.source.begin.column)")
        } catch {
            throw ConfigurationError("\(path) is not valid TOML: \(error)")
        }
    }

    static func update(_ path: String, _ change: (TOMLTable) throws -> Void) throws {
        let table = try read(path) ?? TOMLTable()
        try change(table)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try (table.convert(to: .toml) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
