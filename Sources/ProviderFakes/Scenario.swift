// The scenario a request asks for, read from the model name the client sent.
// The grammar is documented on `FakeProviderServer`; keep the two in step.

/// What a request asked the fake to do, parsed from its model name.
struct Scenario: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        case echo
        case transcript
        case unicode
        case long(Int)
        case tools(Int)
    }

    enum ErrorKind: Sendable, Equatable {
        case generic
        case context
        case policy
    }

    struct Failure: Sendable, Equatable {
        var status: Int
        var kind: ErrorKind = .generic
        /// When false the OpenAI error carries `x-should-retry: false`, so the OpenAI SDK does not retry it.
        var retryable = false
    }

    var content: Content = .echo
    var delayMilliseconds = 0
    var chunkDelayMilliseconds = 0
    var hang = false
    var failure: Failure?
    /// The first `count` requests with this exact model name fail with `status`; later ones succeed.
    var failFirst: (count: Int, status: Int)?
    var resetAfter: Int?
    var malformedAfter: Int?
    var stallAfter: Int?
    var sseErrorAfter: Int?
    var finishLength = false
    var cachedTokens = 0
    var reasoningTokens = 0
    var dimensions: Int?
    /// `json-fit`, `json-break`, `json-missing`, `json-prose` (Structured.swift).
    var json: JSONAnswerMode?
    /// `tool-rounds-N` (Structured.swift).
    var toolRounds: Int?
    /// Hold the answer until this many requests are in flight at the server at once.
    var gate: Int?
    /// `held`: hold the answer until the test calls ``FakeProviderServer/releaseHeldAnswers()``.
    var held = false

    static func == (lhs: Scenario, rhs: Scenario) -> Bool {
        lhs.content == rhs.content && lhs.delayMilliseconds == rhs.delayMilliseconds
            && lhs.chunkDelayMilliseconds == rhs.chunkDelayMilliseconds && lhs.hang == rhs.hang
            && lhs.failure == rhs.failure && lhs.failFirst?.count == rhs.failFirst?.count
            && lhs.failFirst?.status == rhs.failFirst?.status && lhs.resetAfter == rhs.resetAfter
            && lhs.malformedAfter == rhs.malformedAfter && lhs.stallAfter == rhs.stallAfter
            && lhs.sseErrorAfter == rhs.sseErrorAfter && lhs.finishLength == rhs.finishLength
            && lhs.cachedTokens == rhs.cachedTokens && lhs.reasoningTokens == rhs.reasoningTokens
            && lhs.dimensions == rhs.dimensions && lhs.json == rhs.json && lhs.toolRounds == rhs.toolRounds
            && lhs.gate == rhs.gate && lhs.held == rhs.held
    }

    static let maxChunks = 100_000
    static let maxMilliseconds = 3_600_000

    /// Parses a model name. Unknown directives are ignored, so any ordinary model name means `echo`.
    init(modelName: String) {
        for part in modelName.lowercased().split(separator: "+") {
            let t = part.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            func number(_ i: Int, max: Int = Int(Int32.max)) -> Int? {
                guard t.indices.contains(i), let n = Int(t[i]), n >= 0 else { return nil }
                return min(n, max)
            }
            switch t.first ?? "" {
            case "echo" where t.count == 1: content = .echo
            case "transcript" where t.count == 1: content = .transcript
            case "unicode" where t.count == 1: content = .unicode
            case "hang" where t.count == 1: hang = true
            case "held" where t.count == 1: held = true
            case "tools" where t.count == 1: content = .tools(1)
            case "tools" where t.count == 2: if let n = number(1, max: 16), n > 0 { content = .tools(n) }
            case "long" where t.count == 2: if let n = number(1, max: Scenario.maxChunks) { content = .long(n) }
            case "slow" where t.count == 4 && t[1] == "stream":
                if let n = number(2, max: Scenario.maxChunks), let ms = number(3, max: Scenario.maxMilliseconds) {
                    content = .long(n)
                    chunkDelayMilliseconds = ms
                }
            case "chunk" where t.count == 3 && t[1] == "delay":
                if let ms = number(2, max: Scenario.maxMilliseconds) { chunkDelayMilliseconds = ms }
            case "delay" where t.count == 2:
                if let ms = number(1, max: Scenario.maxMilliseconds) { delayMilliseconds = ms }
            case "status" where t.count >= 2:
                guard let status = number(1), (400...599).contains(status) else { break }
                var f = Failure(status: status)
                for word in t.dropFirst(2) {
                    switch word {
                    case "context": f.kind = .context
                    case "policy": f.kind = .policy
                    case "retry": f.retryable = true
                    default: break
                    }
                }
                failure = f
            case "fail" where (t.count == 3 || t.count == 4) && t[1] == "first":
                guard let k = number(2) else { break }
                let status = t.count == 4 ? number(3) ?? 503 : 503
                failFirst = (k, (400...599).contains(status) ? status : 503)
            case "reset" where t.count == 1: resetAfter = 0
            case "reset" where t.count == 3 && t[1] == "after": if let k = number(2) { resetAfter = k }
            case "malformed" where t.count == 1: malformedAfter = 1
            case "malformed" where t.count == 3 && t[1] == "after": if let k = number(2) { malformedAfter = k }
            case "stall" where t.count == 3 && t[1] == "after": if let k = number(2) { stallAfter = k }
            case "sse" where t.count == 4 && t[1] == "error" && t[2] == "after": if let k = number(3) { sseErrorAfter = k }
            case "finish" where t.count == 2 && t[1] == "length": finishLength = true
            case "cached" where t.count == 2: if let n = number(1, max: 1_000_000) { cachedTokens = n }
            case "reasoning" where t.count == 2: if let n = number(1, max: 1_000_000) { reasoningTokens = n }
            case "json" where t.count == 2:
                switch t[1] {
                case "fit": json = .fit
                case "break": json = .breakLeaf
                case "missing": json = .missing
                case "prose": json = .prose
                default: break
                }
            case "tool" where t.count == 3 && t[1] == "rounds": if let n = number(2, max: 64) { toolRounds = n }
            case "dim" where t.count == 2: if let n = number(1, max: 65_536), n > 0 { dimensions = n }
            case "gate" where t.count == 2: if let n = number(1, max: 10_000), n > 0 { gate = n }
            default: break
            }
        }
    }
}
