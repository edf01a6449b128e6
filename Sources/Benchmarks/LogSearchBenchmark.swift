import ArgumentParser
import ConversationLog
import Foundation
import GRDB

/// `embedchat-bench logs`: full-text search of a large conversation log (`embedchat logs -q`), against the same
/// search as a scan of every row (`LIKE`), and the whole `embedchat logs -q` command against the same log.
struct LogSearchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Search a log of N entries with FTS5 (logs -q) vs a LIKE scan; time the whole `embedchat logs -q`.")

    @Option(help: "How many entries the log holds.") var entries = 100_000
    @Option(help: "Queries timed per search term.") var rounds = 30

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-bench-logs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataHome = folder.appendingPathComponent("data").path
        let path = dataHome + "/embedchat/logs.db"
        let log = try ConversationLog(path: path)
        var generator = SyntheticText(seed: 42)
        let fill = try Bench.time {
            for start in stride(from: 0, to: entries, by: 5_000) {
                try log.append(contentsOf: (start..<min(start + 5_000, entries)).map { index in
                    LogEntry(conversationID: "c\(index / 4)", model: index % 3 == 0 ? "gpt-4o-mini" : "claude-3-5-haiku",
                             prompt: generator.sentence(words: 20, index: index), response: generator.sentence(words: 80, index: index),
                             promptTokens: 30, completionTokens: 120, costUSD: 0.0001, createdAt: Date(), command: "ask")
                })
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(String(format: "log: %d entries, %.1f MB, filled in %.1f s", try log.count(), Double(size) / 1e6, fill))
        print("each figure: median of \(rounds) queries, newest 3 matches (as `embedchat logs -q TERM`)\n")

        let reference = try DatabaseQueue(path: path)
        for (label, term) in SyntheticText.terms {
            var matched = 0
            let medians = try await Bench.medians(rounds: rounds, {
                try Bench.time { matched = try log.entries(LogQuery(limit: 3, text: term)).count }
            }, {
                try Bench.time {
                    _ = try reference.read { db in
                        try Row.fetchAll(db, sql: """
                            SELECT * FROM responses WHERE (prompt LIKE ?1 OR response LIKE ?1) ORDER BY id DESC LIMIT 3
                            """, arguments: ["%\(term)%"])
                    }
                }
            })
            let (fts, scan) = (medians[0], medians[1])
            let hits = try log.entries(LogQuery(limit: Int.max, text: term)).count
            print("\(label) \"\(term)\": \(hits) matching entries (\(matched) shown)")
            print(Bench.row("  FTS5 (logs -q)", fts * 1000, unit: "ms"))
            print(Bench.row("  reference: LIKE scan of every row", scan * 1000, unit: "ms"))
            print(Bench.ratio("  FTS5 / scan", fts / scan))
        }

        guard let embedchat = Self.embedchat() else {
            print("\n(embedchat not found beside embedchat-bench: build it to time the whole command)")
            return
        }
        let term = SyntheticText.terms[0].1
        let runs = max(5, rounds / 3)
        let medians = try await Bench.medians(rounds: runs, {
            try Bench.time { try Self.runQuietly(embedchat, ["logs", "-q", term], dataHome: dataHome) }
        }, {
            try Bench.time { try Self.runQuietly(embedchat, ["logs", "path"], dataHome: dataHome) }
        })
        let (command, pathOnly) = (medians[0], medians[1])
        print("\nthe whole command, process start to exit (median of \(runs)):")
        print(Bench.row("  embedchat logs -q \(term)", command * 1000, unit: "ms"))
        print(Bench.row("  reference: embedchat logs path (no query)", pathOnly * 1000, unit: "ms"))
        print(Bench.ratio("  logs -q / logs path", command / pathOnly))
    }

    static func embedchat() -> String? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidate = folder.appendingPathComponent("embedchat").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    static func runQuietly(_ executable: String, _ arguments: [String], dataHome: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = dataHome
        environment["XDG_CONFIG_HOME"] = dataHome + "/config"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("embedchat \(arguments) exited \(process.terminationStatus)") }
    }
}

/// Repeatable text: words from a fixed vocabulary, skewed so some are common and some rare, plus planted terms.
struct SyntheticText {
    /// The search terms timed: one in about 1 in 1000 entries, one in 1 in 20, one in most, two words together, and
    /// one in none (the scan reads every row).
    static let terms = [("rare", "sigpipe"), ("medium", "kubernetes"), ("common", "system"), ("two words", "kubernetes system"),
                        ("absent", "zyzzyva")]

    private var state: UInt64
    private static let vocabulary: [String] = {
        let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu", "he", "jo"]
        var words = ["the", "a", "of", "to", "and", "system", "model", "answer", "question", "code", "error", "file"]
        for first in syllables { for second in syllables { for third in ["", "n", "r", "s"] { words.append(first + second + third) } } }
        return words
    }()

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }

    /// `words` words; every 20th entry mentions kubernetes, every 1000th sigpipe.
    mutating func sentence(words: Int, index: Int) -> String {
        var parts: [String] = []
        parts.reserveCapacity(words + 2)
        for _ in 0..<words {
            // Squaring a uniform number skews the choice towards the start of the vocabulary (the common words).
            let uniform = Double(next() % 1_000_000) / 1_000_000
            parts.append(Self.vocabulary[Int(uniform * uniform * Double(Self.vocabulary.count - 1))])
        }
        if index % 20 == 7 { parts.insert("kubernetes", at: words / 2) }
        if index % 1000 == 13 { parts.insert("sigpipe", at: words / 3) }
        return parts.joined(separator: " ")
    }
}
