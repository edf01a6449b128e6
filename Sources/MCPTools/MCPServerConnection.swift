import Foundation
public import LiteLLM
import MCP
import Synchronization
import SystemPackage

/// A stdio MCP server run as a child process, and its tools as ``ChatTool``s.
///
/// ```swift
/// let server = try await MCPServerConnection.launch("npx -y @modelcontextprotocol/server-everything")
/// let result = try await client.completeWithTools(request, tools: server.tools, settings: settings)
/// await server.close()
/// ```
public final class MCPServerConnection: Sendable {
    /// The command line it was started with.
    public let commandLine: String
    /// The server's name and version, as it introduced itself.
    public let serverName: String
    /// Its tools, ready to offer to a model.
    public let tools: [any ChatTool]

    private let client: Client
    private let process: ChildProcess

    private init(commandLine: String, serverName: String, tools: [any ChatTool], client: Client, process: ChildProcess) {
        self.commandLine = commandLine
        self.serverName = serverName
        self.tools = tools
        self.client = client
        self.process = process
    }

    /// Starts `commandLine` (a program found on `PATH` and its arguments; quotes group words), connects over its
    /// stdin and stdout, and lists its tools.
    /// - Parameters:
    ///   - commandLine: e.g. `mcp-server-time --local-timezone UTC`.
    ///   - showStandardError: pass the server's stderr through to ours (else it is discarded).
    ///   - timeout: how long the server may take to start and list its tools.
    /// - Throws: ``MCPToolError`` naming the command when it cannot be found, exits, or does not answer in time.
    public static func launch(_ commandLine: String, showStandardError: Bool = false,
                              timeout: Duration = .seconds(30)) async throws -> MCPServerConnection {
        let words = try CommandLineWords.split(commandLine)
        guard let program = words.first else { throw MCPToolError("--mcp: the command is empty") }
        guard let executable = CommandLineWords.resolve(program) else {
            throw MCPToolError("MCP server '\(commandLine)': no program \(program) on PATH")
        }
        // A server that exits while we write its stdin must give us EPIPE, not a SIGPIPE that ends this process
        // (pipes have no per-descriptor MSG_NOSIGNAL; the embedded interpreter installs no signal handlers).
        signal(SIGPIPE, SIG_IGN)
        let launched = Process()
        let process = ChildProcess(launched)
        launched.executableURL = URL(fileURLWithPath: executable)
        launched.arguments = Array(words.dropFirst())
        let toServer = Pipe(), fromServer = Pipe()
        launched.standardInput = toServer
        launched.standardOutput = fromServer
        launched.standardError = showStandardError ? FileHandle.standardError : FileHandle.nullDevice
        do {
            try launched.run()
        } catch {
            throw MCPToolError("MCP server '\(commandLine)' did not start: \(error.localizedDescription)")
        }
        let transport = StdioTransport(
            input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
            output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor))
        let client = Client(name: "embedchat", version: "0.1.0")
        do {
            let (name, definitions) = try await firstOf(timeout: timeout, process: process, commandLine: commandLine) {
                let info = try await client.connect(transport: transport)
                var tools: [MCP.Tool] = []
                var cursor: String?
                repeat {
                    let page = try await client.listTools(cursor: cursor)
                    tools += page.tools
                    cursor = page.nextCursor
                } while cursor != nil
                return ("\(info.serverInfo.name) \(info.serverInfo.version)", tools)
            }
            let tools = try definitions.map { try MCPTool($0, client: client, server: commandLine) as any ChatTool }
            return MCPServerConnection(commandLine: commandLine, serverName: name, tools: tools, client: client, process: process)
        } catch {
            // A server that exits early makes the transport fail (a broken pipe) as often as the watch sees the
            // exit, so the message says what happened once the exit is known. The kernel has it within moments of
            // the pipe breaking; `Process` notices on a thread of its own, which a busy machine can hold back for
            // seconds, so the kernel is asked, and then `Process` waited for as long as it takes.
            for _ in 0..<20 where !process.hasExited { try? await Task.sleep(for: .milliseconds(50)) }
            let exited = process.hasExited
            for _ in 0..<6000 where exited && process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
            await client.disconnect()
            process.terminate()
            if let error = error as? MCPToolError { throw error }
            if exited {
                throw MCPToolError("MCP server '\(commandLine)' exited with status \(process.terminationStatus) before it listed its tools")
            }
            throw MCPToolError("MCP server '\(commandLine)': \(error)")
        }
    }

    /// Whether the server process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Disconnects and ends the server process.
    public func close() async {
        await client.disconnect()
        process.terminate()
        process.waitUntilExit()
    }

    /// Runs `body`, failing when the process exits first or `timeout` passes. `body` is left to finish on its own
    /// when it loses (the MCP client does not answer cancellation while it waits for a reply).
    private static func firstOf<T: Sendable>(timeout: Duration, process: ChildProcess, commandLine: String,
                                             _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            Task {
                do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
            }
            Task {
                let deadline = ContinuousClock.now + timeout
                while !race.isFinished {
                    if !process.isRunning {
                        race.finish(.failure(MCPToolError("MCP server '\(commandLine)' exited with status \(process.terminationStatus) before it listed its tools")))
                    } else if ContinuousClock.now >= deadline {
                        race.finish(.failure(MCPToolError("MCP server '\(commandLine)' did not list its tools within \(timeout)")))
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }
}

/// A continuation that the first of several tasks resumes.
private final class Race<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, finished: Bool)>((nil, false))

    func start(_ continuation: CheckedContinuation<T, any Error>) { state.withLock { $0.continuation = continuation } }

    var isFinished: Bool { state.withLock { $0.finished } }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.finished else { return nil }
            state.finished = true
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}

/// A child process shared between tasks. `Process` is not `Sendable`, but the members used here (`isRunning`,
/// `terminationStatus`, `terminate`, `waitUntilExit`) are safe to call from any thread.
final class ChildProcess: @unchecked Sendable {
    private let process: Process
    init(_ process: Process) { self.process = process }
    var isRunning: Bool { process.isRunning }
    /// Whether the child has exited as far as the kernel knows, before `Process` may have noticed: waitable (looked
    /// at without reaping it, so `Process` still reaps it and reads its status), or already reaped.
    var hasExited: Bool {
        if !process.isRunning { return true }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return errno == ECHILD }
        return info.si_signo == SIGCHLD
    }
    var terminationStatus: Int32 { process.terminationStatus }
    func terminate() { if process.isRunning { process.terminate() } }
    func waitUntilExit() { process.waitUntilExit() }
}

/// One tool of an MCP server.
struct MCPTool: ChatTool {
    let definition: LiteLLM.Tool
    let client: Client
    let server: String

    init(_ tool: MCP.Tool, client: Client, server: String) throws {
        let schema = try JSONBridge.convert(tool.inputSchema, to: JSONValue.self)
        definition = LiteLLM.Tool(function: .init(name: tool.name, description: tool.description ?? tool.title,
                                                  parameters: schema))
        self.client = client
        self.server = server
    }

    func call(arguments: JSONValue) async throws -> String {
        let values = try JSONBridge.convert(arguments, to: [String: Value].self)
        let (content, isError) = try await client.callTool(name: name, arguments: values)
        let text = content.map { item -> String in
            switch item {
            case .text(let text, _, _): text
            case .image(_, let mimeType, _, _): "[an image, \(mimeType)]"
            case .audio(_, let mimeType, _, _): "[audio, \(mimeType)]"
            case .resource(let resource, _, _): resource.text ?? "[resource \(resource.uri)]"
            case .resourceLink(let uri, let name, _, _, _, _): "[\(name): \(uri)]"
            }
        }.joined(separator: "\n")
        if isError == true { throw MCPToolError(text.isEmpty ? "the tool failed" : text) }
        return text
    }
}

/// An MCP server or tool that failed, in words.
public struct MCPToolError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the server's command line where there is one.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// JSON values between LiteLLM's and MCP's types.
enum JSONBridge {
    static func convert<T: Decodable>(_ value: some Encodable, to type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: JSONEncoder().encode(value))
    }
}
