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
