import NIOCore
import Synchronization
import TestSupport

/// State shared by all connections of one server. Every member is protected by a `Mutex`.
final class ServerState: Sendable {
    private struct Connections: Sendable {
        var open: [ObjectIdentifier: any Channel] = [:]
        var total = 0
    }

    /// Waited on by ``untilOpenConnections(_:)``.
    private let connections = ObservedState(Connections())
    private let requests = Mutex<[RecordedRequest]>([])
    private let requestCounter = Mutex(0)
    private let failureCounters = Mutex<[String: Int]>([:])
    private let inFlight = Mutex((now: 0, most: 0))
    private let held = Atomic(false)
    /// How many times each `gate-N` has opened.
    private let gates = Mutex<[Int: Int]>([:])

    /// Registers an accepted connection and returns its number.
    func connectionOpened(_ channel: any Channel) -> Int {
        connections.update { c in
            c.total += 1
            c.open[ObjectIdentifier(channel)] = channel
            return c.total
        }
    }

    func connectionClosed(_ channel: any Channel) {
        connections.update { c in _ = c.open.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Returns once `count` connections are open: at once if they are, else at the accept or close that makes it so.
    /// - Throws: `CancellationError` if the task is cancelled first (a test's time limit, say).
    func untilOpenConnections(_ count: Int) async throws {
        try await connections.until { $0.open.count == count }
    }

    var openConnectionCount: Int { connections.value.open.count }
    var totalConnectionCount: Int { connections.value.total }
    var openChannels: [any Channel] { Array(connections.value.open.values) }

    func nextRequestNumber() -> Int {
        requestCounter.withLock { n in
            n += 1
            return n
        }
    }

    func record(_ request: RecordedRequest) {
        requests.withLock { $0.append(request) }
    }

    var recorded: [RecordedRequest] { requests.withLock { $0 } }

    func clearRecorded() { requests.withLock { $0.removeAll() } }

    /// Counts a request under `key` and returns the count including this one.
    func countRequest(key: String) -> Int {
        failureCounters.withLock { counters in
            counters[key, default: 0] += 1
            return counters[key, default: 0]
        }
    }

    func resetCounters() { failureCounters.withLock { $0.removeAll() } }

    /// A request began (its body is complete and its answer is being played).
    func requestBegan() {
        inFlight.withLock { count in
            count.now += 1
            count.most = max(count.most, count.now)
        }
    }

    /// A request's answer ended, or its connection closed before it did.
    func requestEnded() { inFlight.withLock { $0.now -= 1 } }

    /// Opens `gate-count` for the requests waiting at it now (those that began waiting before this call).
    func openGate(_ count: Int) { gates.withLock { $0[count, default: 0] += 1 } }
    func gateOpenings(_ count: Int) -> Int { gates.withLock { $0[count, default: 0] } }

    /// Whether `held` answers go on (``FakeProviderServer/releaseHeldAnswers()``); once released, for good.
    var heldAnswersReleased: Bool { held.load(ordering: .acquiring) }
    func releaseHeldAnswers() { held.store(true, ordering: .releasing) }

    var requestsInFlight: Int { inFlight.withLock { $0.now } }
    var mostRequestsInFlight: Int { inFlight.withLock { $0.most } }
    func resetMostRequestsInFlight() { inFlight.withLock { $0.most = $0.now } }
}
