public import Foundation
import GRDB

/// The conversation log: every exchange in one SQLite file (`logs.db`), searchable with FTS5.
///
/// The schema is versioned with GRDB's migrator, so a newer embedchat upgrades an older file in place. The file is
/// opened in WAL mode with a busy timeout, so several embedchat processes (a batch run beside a chat) can write at
/// once without failing each other.
public final class ConversationLog: Sendable {
    /// Where the file is.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the log at `path`, creating its folder, and brings its schema up to date.
    /// - Throws: ``ConversationLogError`` when the file cannot be created or is not an embedchat log.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.label = "embedchat.log"
            pool = try Self.openWaitingOutOtherOpeners(path, configuration)
            do {
                try Self.migrator.migrate(pool)
            } catch {
                // Two processes opening a new log at once both see no migration applied; the second one's
                // CREATE TABLE then fails against the first one's committed schema. Reading the applied
                // migrations again finds them done.
                try Self.migrator.migrate(pool)
            }
        } catch let error as ConversationLogError {
            throw error
        } catch {
            throw ConversationLogError("cannot open the log at \(path): \(Self.describe(error))")
        }
    }

    /// Opens the pool, trying again while another connection holds the file's lock. Switching a new file to WAL
    /// (`PRAGMA journal_mode = WAL`, run by every open) needs the lock for a moment and fails at once with "database
    /// is locked" when another process is doing the same: SQLite does not call the busy handler there. So processes
    /// started together lost their log for that run. The retry waits out the other opener, 10 s at the most.
    private static func openWaitingOutOtherOpeners(_ path: String, _ configuration: Configuration) throws -> DatabasePool {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError
                        where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && ContinuousClock.now < deadline {
                // A short random pause, so openers that collided do not collide again in step.
                Thread.sleep(forTimeInterval: .random(in: 0.005...0.05))
            }
        }
    }

    /// Version 1: the responses table, its indexes and an external-content FTS5 index of prompts and responses kept
    /// in step by triggers.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-responses") { db in
            try db.execute(sql: """
                CREATE TABLE responses (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    conversation_id TEXT NOT NULL,
                    model TEXT NOT NULL,
                    prompt TEXT NOT NULL,
                    system TEXT,
                    response TEXT NOT NULL,
                    tool_calls TEXT,
                    prompt_tokens INTEGER,
                    completion_tokens INTEGER,
                    cost_usd REAL,
                    latency_ms INTEGER,
                    created_at TEXT NOT NULL,
                    command TEXT NOT NULL
                );
                CREATE INDEX responses_conversation ON responses(conversation_id, id);
                CREATE INDEX responses_model ON responses(model, id);
                CREATE VIRTUAL TABLE responses_fts USING fts5(
                    prompt, response, content='responses', content_rowid='id', tokenize='unicode61'
                );
                CREATE TRIGGER responses_ai AFTER INSERT ON responses BEGIN
                    INSERT INTO responses_fts(rowid, prompt, response) VALUES (new.id, new.prompt, new.response);
                END;
                CREATE TRIGGER responses_ad AFTER DELETE ON responses BEGIN
                    INSERT INTO responses_fts(responses_fts, rowid, prompt, response)
                        VALUES ('delete', old.id, old.prompt, old.response);
                END;
                """)
        }
        return migrator
    }

    /// Stores `entry` and returns its id.
    @discardableResult
    public func append(_ entry: LogEntry) async throws -> Int64 {
        try await write { db in try Self.insert(entry, db) }
    }

    /// Stores many entries in one transaction (for tests and benchmarks filling a log).
    public func append(contentsOf entries: [LogEntry]) throws {
        do {
            try pool.write { db in for entry in entries { _ = try Self.insert(entry, db) } }
        } catch {
            throw ConversationLogError("cannot write to the log at \(path): \(Self.describe(error))")
        }
    }

    private static func insert(_ entry: LogEntry, _ db: Database) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO responses (conversation_id, model, prompt, system, response, tool_calls, prompt_tokens,
                                   completion_tokens, cost_usd, latency_ms, created_at, command)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.conversationID, entry.model, entry.prompt, entry.system, entry.response,
                             entry.toolCallsJSON, entry.promptTokens, entry.completionTokens, entry.costUSD,
                             entry.latencyMilliseconds, Timestamp.format(entry.createdAt), entry.command])
        return db.lastInsertedRowID
    }

    /// The id of the conversation with the newest entry, if any.
    public func latestConversationID() throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT conversation_id FROM responses ORDER BY id DESC LIMIT 1") }
    }

    /// Every entry of a conversation, oldest first (empty when there is none with that id).
    public func conversation(_ id: String) throws -> [LogEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM responses WHERE conversation_id = ? ORDER BY id", arguments: [id])
                .map(Self.entry)
        }
    }

    /// The newest entries matching `query`, oldest first.
    /// - Throws: ``ConversationLogError`` when the log cannot be read.
    public func entries(_ query: LogQuery) throws -> [LogEntry] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        // With words to find, FTS5 is the outer loop, walked newest first by its rowid (the responses' id), so
        // SQLite stops after `limit` matches instead of collecting and sorting every match of a common word.
        var from = "responses"
        var order = "responses.id"
        if let text = query.text, let match = Self.matchExpression(text) {
            from = "responses_fts CROSS JOIN responses ON responses.id = responses_fts.rowid"
            order = "responses_fts.rowid"
            conditions.append("responses_fts MATCH ?")
            arguments += [match]
        }
        if let model = query.model {
            conditions.append("responses.model = ?")
            arguments += [model]
        }
        if let conversationID = query.conversationID {
            conditions.append("responses.conversation_id = ?")
            arguments += [conversationID]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT responses.* FROM \(from)\(whereClause) ORDER BY \(order) DESC LIMIT ?"
        arguments += [max(0, query.limit)]
        let finalArguments = arguments
        return try read { db in try Row.fetchAll(db, sql: sql, arguments: finalArguments).map(Self.entry).reversed() }
    }

    /// Exchanges, tokens and dollars by day (UTC) and model, oldest day first.
    public func costTotals() throws -> [CostTotal] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT substr(created_at, 1, 10) AS day, model, count(*) AS exchanges,
                       coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                       coalesce(sum(completion_tokens), 0) AS completion_tokens,
                       coalesce(sum(cost_usd), 0) AS cost, sum(cost_usd IS NULL) AS unpriced
                FROM responses GROUP BY day, model ORDER BY day, model
                """).map { row in
                CostTotal(day: row["day"], model: row["model"], exchanges: row["exchanges"],
                          promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                          costUSD: row["cost"], unpriced: row["unpriced"])
            }
        }
    }

    /// How many entries the log holds.
    public func count() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM responses") ?? 0 }
    }

    /// The user's search words as an FTS5 expression: each word quoted (so `-`, `:`, quotes and FTS5's keywords are
    /// plain text), all required; a trailing `*` keeps its meaning as a prefix search. `nil` when there are no words.
    static func matchExpression(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace }).compactMap { word -> String? in
            let prefix = word.hasSuffix("*")
            let body = prefix ? word.dropLast() : word[...]
            guard !body.isEmpty else { return nil }
            return "\"" + body.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
        }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    private static func entry(_ row: Row) -> LogEntry {
        LogEntry(id: row["id"], conversationID: row["conversation_id"], model: row["model"], prompt: row["prompt"],
                 system: row["system"], response: row["response"], toolCallsJSON: row["tool_calls"],
                 promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"], costUSD: row["cost_usd"],
                 latencyMilliseconds: row["latency_ms"], createdAt: Timestamp.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
                 command: row["command"])
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw ConversationLogError("cannot read the log at \(path): \(Self.describe(error))")
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw ConversationLogError("cannot write to the log at \(path): \(Self.describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}

/// Times as stored: ISO 8601 in UTC with milliseconds, so they sort as text and their first 10 characters are the day.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    public static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text)
    }
}
