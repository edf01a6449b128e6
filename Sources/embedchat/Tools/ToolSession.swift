import Foundation
import LiteLLM
import MCPTools

/// The tools of one `ask`: built-ins and MCP servers started for it, the confirmation of each call, and the loop.
final class ToolSession: Sendable {
    let tools: [any ChatTool]
    private let servers: [MCPServerConnection]
    private let loop: ToolLoop

    static let help = """
        Tools the model may call: --tool NAME for a built-in (now, read_file), --mcp 'COMMAND ARGS' for the tools \
        of a stdio MCP server (or --mcp NAME for one named in config.toml's [mcp] table; repeatable). On a \
        terminal each call is shown and runs only after a yes; elsewhere calls need --yes. --tools-debug prints \
        every call and result on stderr; --max-tool-rounds caps the rounds (default 8).
        """

    private init(tools: [any ChatTool], servers: [MCPServerConnection], loop: ToolLoop) {
        self.tools = tools
        self.servers = servers
        self.loop = loop
    }

    /// Starts the MCP servers and gathers the tools.
    /// - Throws: ``CLIFailure``: usage (exit 2) for an unknown built-in, exit 1 for an MCP server that does not
    ///   start. (``TypedOptions`` has refused calls nobody can confirm.)
    static func start(builtins: [String], mcp: [String], yes: Bool, debug: Bool, maxRounds: Int) async throws -> ToolSession {
        var tools = try builtins.map(BuiltinTools.tool(named:))
        var servers: [MCPServerConnection] = []
        for commandLine in mcp {
            do {
                let server = try await MCPServerConnection.launch(commandLine, showStandardError: debug)
                servers.append(server)
                tools += server.tools
                if debug {
                    Terminal.err("[mcp] \(server.serverName) (\(commandLine)): \(server.tools.map(\.name).joined(separator: ", "))\n")
                }
            } catch {
                for server in servers { await server.close() }
                throw CLIFailure("\(error)", hint: "check the command runs a stdio MCP server (or name one in "
                                 + "config.toml's [mcp]); --tools-debug shows its stderr", exitCode: CLIExit.provider)
            }
        }
        let loop = ToolLoop(
            maxRounds: maxRounds,
            approve: { call in yes ? .run : Self.confirm(call) },
            onEvent: { event in
                guard debug else { return }
                switch event {
                case .calling(let call): Terminal.err("[tool] \(call.function.name)(\(call.function.arguments))\n")
                case .finished(let call, let result, let failed):
                    Terminal.err("[tool] \(call.function.name) \(failed ? "failed" : "returned"): \(CLIFailure.oneLine(result, limit: 300))\n")
                case .skipped(let call, let reason): Terminal.err("[tool] \(call.function.name) not run: \(reason)\n")
                }
            })
        return ToolSession(tools: tools, servers: servers, loop: loop)
    }

    /// Shows the call on the terminal and reads y or n.
    private static func confirm(_ call: ToolCall) -> ToolLoop.Approval {
        Terminal.err("embedchat: the model calls \(call.function.name)(\(CLIFailure.oneLine(call.function.arguments, limit: 500))). Run it? [y/N] ")
        guard let line = readLine() else { return .decline("the user did not answer") }
        let answer = line.trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes" ? .run : .decline("the user said no")
    }

    /// Runs the loop for `request`, ending the servers afterwards.
    func run(_ request: ChatCompletionRequest, client: LiteLLMClient, settings: ModelSettings) async throws -> ToolLoopResult {
        do {
            let result = try await client.completeWithTools(request, tools: tools, loop: loop, settings: settings.provider,
                                                            timeout: settings.timeout)
            await close()
            return result
        } catch let error as ToolLoopError {
            await close()
            throw CLIFailure(error.message, exitCode: CLIExit.provider)
        } catch {
            await close()
            throw error
        }
    }

    func close() async {
        for server in servers { await server.close() }
    }
}
