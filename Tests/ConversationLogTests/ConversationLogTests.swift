import ConversationLog
import Foundation
import Synchronization
import Testing

/// The log on a real SQLite file: migrations, conversations, full-text search, filters and cost totals.
@Suite("ConversationLog")
struct ConversationLogTests {
    static func temporaryLog() throws -> ConversationLog {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-log-\(UUID().uuidString)")
        return try ConversationLog(path: folder.appendingPathComponent("nested/logs.db").path)
    }

    @Test func storesEntriesAndReplaysAConversationInOrder() async throws {
        let log = try Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (log.path as NSString).deletingLastPathComponent) }
        let first = LogEntry(conversationID: "c1", model: "m", prompt: "hello", system: "terse", response: "hi there",
                             promptTokens: 3, completionTokens: 2, costUSD: 0.5, latencyMilliseconds: 12, command: "ask")
        let id1 = try await log.append(first)
        let id2 = try await log.append(LogEntry(conversationID: "c2", model: "m", prompt: "other", response: "x", command: "ask"))
        let id3 = try await log.append(LogEntry(conversationID: "c1", model: "m", prompt: "again", response: "yes", command: "chat"))
        #expect(id1 < id2 && id2 < id3)
        #expect(try log.latestConversationID() == "c1")
        let turns = try log.conversation("c1")
        #expect(turns.map(\.prompt) == ["hello", "again"])
        #expect(turns[0].system == "terse" && turns[0].totalTokens == 5 && turns[0].costUSD == 0.5)
        #expect(turns[0].latencyMilliseconds == 12 && turns[1].command == "chat")
        #expect(abs(turns[0].createdAt.timeIntervalSince(first.createdAt)) < 0.002, "stored to the millisecond")
        #expect(try log.conversation("none").isEmpty)

        // Reopening runs no migration twice and finds the rows.
        let reopened = try ConversationLog(path: log.path)
        #expect(try reopened.count() == 3)
    }

    @Test func processesOpeningANewLogAtOnceAllOpenItAndLogTheirExchange() throws {
        // embedchat runs started together (two commands in a script, a batch beside a chat) open a log that does not
        // exist yet at the same moment. Each open here is its own SQLite connection, which locks the file as another
        // process would. Every one must open the log and write its entry: none may find it "locked" and lose it.
        // Before the open waited out the others, 2 to 20 of these 4,800 opens failed in a run.
        for round in 0..<400 {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-log-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("logs.db").path
            let openers = 12
            let failures = Mutex<[String]>([])
            let start = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for opener in 0..<openers {
                DispatchQueue.global().async(group: group) {
                    start.wait()
                    do {
                        let log = try ConversationLog(path: path)
                        try log.append(contentsOf: [LogEntry(conversationID: "c\(opener)", model: "m", prompt: "p", response: "r", command: "ask")])
                    } catch {
                        failures.withLock { $0.append("round \(round), opener \(opener): \(error)") }
                    }
                }
            }
            for _ in 0..<openers { start.signal() }
            group.wait()
            #expect(failures.withLock { $0 } == [])
            #expect(try ConversationLog(path: path).count() == openers)
        }
    }

    @Test func searchesFullTextNewestLastWithFilters() throws {
        let log = try Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (log.path as NSString).deletingLastPathComponent) }
        try log.append(contentsOf: (0..<10).map { index in
            LogEntry(conversationID: "c\(index % 2)", model: index % 2 == 0 ? "even" : "odd",
                     prompt: "question \(index) about \(index % 3 == 0 ? "penguins" : "tigers")",
                     response: "answer \(index)", command: "batch")
        })
        #expect(try log.entries(LogQuery(limit: 3)).map(\.response) == ["answer 7", "answer 8", "answer 9"])
        #expect(try log.entries(LogQuery(limit: 10, text: "penguins")).map(\.response) == ["answer 0", "answer 3", "answer 6", "answer 9"])
        #expect(try log.entries(LogQuery(limit: 10, text: "penguins", model: "even")).map(\.response) == ["answer 0", "answer 6"])
        #expect(try log.entries(LogQuery(limit: 2, text: "pengu*")).map(\.response) == ["answer 6", "answer 9"], "prefix search")
        #expect(try log.entries(LogQuery(limit: 10, conversationID: "c1")).count == 5)
        // FTS5 syntax in the user's words is plain text, never an error.
        #expect(try log.entries(LogQuery(limit: 10, text: "\"question AND -NOT: (")).isEmpty)
        #expect(try log.entries(LogQuery(limit: 10, text: "answer 7")).map(\.response) == ["answer 7"], "all words must occur")
    }

    @Test func totalsCostByDayAndModelAndCountsUnpricedExchanges() throws {
        let log = try Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (log.path as NSString).deletingLastPathComponent) }
        let day1 = Date(timeIntervalSince1970: 1_780_000_000), day2 = day1.addingTimeInterval(86_400)
        try log.append(contentsOf: [
            LogEntry(conversationID: "a", model: "gpt", prompt: "p", response: "r", promptTokens: 10, completionTokens: 20,
                     costUSD: 0.25, createdAt: day1, command: "ask"),
            LogEntry(conversationID: "b", model: "gpt", prompt: "p", response: "r", promptTokens: 1, completionTokens: 2,
                     costUSD: 0.5, createdAt: day1, command: "ask"),
            LogEntry(conversationID: "c", model: "local", prompt: "p", response: "r", createdAt: day1, command: "ask"),
            LogEntry(conversationID: "d", model: "gpt", prompt: "p", response: "r", costUSD: 1, createdAt: day2, command: "ask"),
        ])
        let totals = try log.costTotals()
        #expect(totals.map(\.model) == ["gpt", "local", "gpt"])
        #expect(totals[0] == CostTotal(day: Timestamp.format(day1).prefix(10).description, model: "gpt", exchanges: 2,
                                       promptTokens: 11, completionTokens: 22, costUSD: 0.75, unpriced: 0))
        #expect(totals[1].unpriced == 1 && totals[1].costUSD == 0)
        #expect(totals[2].day == String(Timestamp.format(day2).prefix(10)))
    }

    @Test func aFileThatIsNotALogIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-notalog-\(UUID().uuidString).db").path
        try "this is not SQLite".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try ConversationLog(path: path)
        } throws: { error in
            "\(error)".contains("cannot open the log at \(path)")
        }
    }
}
