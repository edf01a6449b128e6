import ArgumentParser
import CLIConfig
import ConversationLog
import Foundation
import LiteLLM

extension EmbedChat {
    /// `embedchat logs`: the conversation log, searched, filtered, totalled; and switched off and on.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, search and total the conversation log; turn it off or on.",
            discussion: """
            Every exchange of ask, chat and batch is logged in SQLite at $XDG_DATA_HOME/embedchat/logs.db \\
            (~/.local/share/embedchat/logs.db): prompt, system prompt, model, answer, tool calls, tokens, cost, \\
            latency, time and conversation id. --no-log or EMBEDCHAT_LOG=0 skips one run; `embedchat logs off` \\
            stops logging until `embedchat logs on`.

            Examples:
              embedchat logs                      # the last 3 exchanges, newest last
              embedchat logs -n 20 -q "sigpipe"   # full-text search of prompts and answers
              embedchat logs --cid 019a3b2c1d4e-9f2a61c0 --json
              embedchat logs --cost               # spending by day and model
              embedchat logs path
            """,
            subcommands: [List.self, Off.self, On.self, Path.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show logged exchanges, newest last (the default).")

            @Option(name: .customShort("n"), help: ArgumentHelp("How many exchanges to show (the newest; 0 for all).", valueName: "n"))
            var count = 3

            @Option(name: [.short, .customLong("query")], help: ArgumentHelp(
                "Only exchanges whose prompt or answer holds every one of these words (full-text; word* for a prefix).",
                valueName: "text"))
            var query: String?

            @Option(name: [.short, .long], help: ArgumentHelp("Only exchanges with this model (an alias is resolved).", valueName: "name"))
            var model: String?

            @Option(name: .customLong("cid"), help: ArgumentHelp("Only this conversation.", valueName: "id"))
            var conversationID: String?

            @Flag(name: .long, help: "Print a JSON array of entries.")
            var json = false

            @Flag(name: .long, help: "Print tokens and dollars by day and model instead of the entries.")
            var cost = false

            func validate() throws {
                if count < 0 { throw ValidationError("-n must be 0 or more.") }
            }

            mutating func run() async throws {
                let environment = ProcessInfo.processInfo.environment
                let paths = XDGPaths(environment: environment)
                guard FileManager.default.fileExists(atPath: paths.logDatabase) else {
                    if json { Terminal.out("[]\n") } else { Terminal.err("the log is empty (\(paths.logDatabase))\n") }
                    return
                }
                let log: ConversationLog
                do { log = try ConversationLog(path: paths.logDatabase) } catch { throw CLIFailure("\(error)", exitCode: CLIExit.setup) }
                if cost {
                    try LogPrinter.printCost(try read { try log.costTotals() }, json: json)
                    return
                }
                let config = try CLIFailure.loadConfiguration(environment: environment)
                let query = LogQuery(limit: count == 0 ? Int.max : count, text: query, model: model.map(config.resolve),
                                     conversationID: conversationID)
                let entries = try read { try log.entries(query) }
                if json {
                    Terminal.out(LogPrinter.json(entries) + "\n")
                } else if entries.isEmpty {
                    Terminal.err("no logged exchange matches\n")
                } else {
                    Terminal.out(entries.map(LogPrinter.text).joined(separator: "\n"))
                }
            }

            private func read<T>(_ body: () throws -> T) throws -> T {
                do { return try body() } catch { throw CLIFailure("\(error)", exitCode: CLIExit.setup) }
            }
        }

        struct Off: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop logging exchanges (until `embedchat logs on`).")
            func run() async throws {
                let paths = XDGPaths()
                do {
                    try FileManager.default.createDirectory(atPath: paths.data, withIntermediateDirectories: true)
                    try "embedchat logs off\n".write(toFile: paths.logsOffMarker, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIFailure("cannot turn the log off: \(error.localizedDescription)", exitCode: CLIExit.setup)
                }
                Terminal.err("logging is off\n")
            }
        }

        struct On: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Log exchanges again (the default).")
            func run() async throws {
                let paths = XDGPaths()
                if FileManager.default.fileExists(atPath: paths.logsOffMarker) {
                    do { try FileManager.default.removeItem(atPath: paths.logsOffMarker) } catch {
                        throw CLIFailure("cannot turn the log on: \(error.localizedDescription)", exitCode: CLIExit.setup)
                    }
                }
                Terminal.err("logging is on\n")
            }
        }

        struct Path: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print where the log is.")
            func run() async throws { Terminal.out(XDGPaths().logDatabase + "\n") }
        }
    }
}

/// How `logs` prints entries and totals.
enum LogPrinter {
    static func text(_ entry: LogEntry) -> String {
        var header = "# \(Timestamp.format(entry.createdAt))  id \(entry.id ?? 0)  conversation \(entry.conversationID)\n"
        var facts = ["model: \(entry.model)", entry.command]
        if let prompt = entry.promptTokens, let completion = entry.completionTokens { facts.append("\(prompt) + \(completion) tokens") }
        facts.append(entry.costUSD.map(UsageReport.dollars) ?? "cost unknown")
        if let latency = entry.latencyMilliseconds { facts.append("\(latency) ms") }
        header += facts.joined(separator: " · ") + "\n\n"
        var body = ""
        if let system = entry.system { body += "## System\n\n\(system)\n\n" }
        body += "## Prompt\n\n\(entry.prompt)\n\n## Response\n\n\(entry.response)\n"
        if let tools = entry.toolCallsJSON { body += "\n## Tool calls\n\n\(tools)\n" }
        return header + body
    }

    /// The JSON form of one entry (keys named as the issue and `llm logs --json` do).
    struct Row: Encodable {
        struct UsageRow: Encodable {
            var promptTokens: Int
            var completionTokens: Int
            var totalTokens: Int
            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
            }
        }
        var id: Int64
        var conversationID: String
        var model: String
        var prompt: String
        var system: String?
        var response: String
        var toolCalls: JSONValueText?
        var usage: UsageRow?
        var costUSD: Double?
        var latencyMilliseconds: Int?
        var createdAt: String
        var command: String

        enum CodingKeys: String, CodingKey {
            case id, model, prompt, system, response, usage, command
            case conversationID = "conversation_id", toolCalls = "tool_calls", costUSD = "cost_usd"
            case latencyMilliseconds = "latency_ms", createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(conversationID, forKey: .conversationID)
            try container.encode(model, forKey: .model)
            try container.encode(prompt, forKey: .prompt)
            try container.encode(system, forKey: .system)  // null, not missing
            try container.encode(response, forKey: .response)
            try container.encode(toolCalls, forKey: .toolCalls)
            try container.encode(usage, forKey: .usage)
            try container.encode(costUSD, forKey: .costUSD)
            try container.encode(latencyMilliseconds, forKey: .latencyMilliseconds)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(command, forKey: .command)
        }
    }

    static func json(_ entries: [LogEntry]) -> String {
        JSONLines.encode(entries.map { entry in
            Row(id: entry.id ?? 0, conversationID: entry.conversationID, model: entry.model, prompt: entry.prompt,
                system: entry.system, response: entry.response, toolCalls: entry.toolCallsJSON.map(JSONValueText.init),
                usage: entry.promptTokens.flatMap { prompt in
                    entry.completionTokens.map { Row.UsageRow(promptTokens: prompt, completionTokens: $0, totalTokens: prompt + $0) }
                },
                costUSD: entry.costUSD, latencyMilliseconds: entry.latencyMilliseconds,
                createdAt: Timestamp.format(entry.createdAt), command: entry.command)
        })
    }

    static func printCost(_ totals: [CostTotal], json: Bool) throws {
        if json {
            struct Total: Encodable {
                var day: String, model: String, exchanges: Int, prompt_tokens: Int, completion_tokens: Int
                var cost_usd: Double, unpriced_exchanges: Int
            }
            Terminal.out(JSONLines.encode(totals.map {
                Total(day: $0.day, model: $0.model, exchanges: $0.exchanges, prompt_tokens: $0.promptTokens,
                      completion_tokens: $0.completionTokens, cost_usd: $0.costUSD, unpriced_exchanges: $0.unpriced)
            }) + "\n")
            return
        }
        guard !totals.isEmpty else { Terminal.err("the log is empty\n"); return }
        let width = max(5, totals.map(\.model.count).max() ?? 5)
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        var lines = [pad("day", 10) + "  " + pad("model", width) + "  exchanges      tokens  cost"]
        for total in totals {
            var cost = total.unpriced == total.exchanges ? "unknown (no price)" : UsageReport.dollars(total.costUSD)
            if total.unpriced > 0 && total.unpriced < total.exchanges { cost += " (+\(total.unpriced) unpriced)" }
            lines.append(pad(total.day, 10) + "  " + pad(total.model, width) + "  " + String(format: "%9d  %10d  ", total.exchanges,
                         total.promptTokens + total.completionTokens) + cost)
        }
        let sum = totals.reduce(0.0) { $0 + $1.costUSD }
        let unpriced = totals.reduce(0) { $0 + $1.unpriced }
        lines.append("total: " + UsageReport.dollars(sum) + (unpriced > 0 ? " (\(unpriced) exchanges with no price)" : ""))
        Terminal.out(lines.joined(separator: "\n") + "\n")
    }
}

/// A JSON text stored in the log (tool calls), written into the output as JSON rather than as a string.
struct JSONValueText: Encodable {
    let text: String
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
            try container.encode(value)
        } else {
            try container.encode(text)
        }
    }
}
