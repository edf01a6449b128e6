import Foundation

/// One prompt and its answer, as the log keeps it.
struct Exchange: Sendable {
    var model: String
    var prompt: String
    var system: String?
    var answer: Answer
    var startedAt: Date
    var latencyMilliseconds: Int
}
