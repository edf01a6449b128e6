import Foundation

/// Counts of a storm's outcomes, shared by its client threads.
final class StormTally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var answered = 0, refused = 0, closed = 0, hung = 0
    private(set) var wrong: [String] = []
    private(set) var inFlight = 0, mostInFlight = 0

    func began() {
        lock.withLock {
            inFlight += 1
            mostInFlight = max(mostInFlight, inFlight)
        }
    }

    func ended(_ outcome: StormOutcome) {
        lock.withLock {
            inFlight -= 1
            switch outcome {
            case .answered: answered += 1
            case .refused: refused += 1
            case .closed: closed += 1
            case .hung: hung += 1
            case .wrong(let why): wrong.append(why)
            }
        }
    }

    var total: Int { lock.withLock { answered + refused + closed + hung + wrong.count } }
}
