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
    /// Requests in flight now and at most, how many have begun in all, and for each `gate-N` the number of requests
    /// that had begun when it last opened: one lock, so a gate that opens lets through exactly the requests that were
    /// counted in flight then.
    private let inFlight = Mutex(InFlight())
    private let held = Atomic(false)
    private let gateLimitsReached = Atomic(0)

    private struct InFlight {
        var now = 0
        var most = 0
        var begun = 0
        var gatesOpenedThrough: [Int: Int] = [:]
    }

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

    /// A request began (its body is complete and its answer is being played). Returns its number among the requests
    /// begun, its place in line at a gate (see ``passesGate(_:number:)``).
    func requestBegan() -> Int {
        inFlight.withLock { flight in
            flight.now += 1
            flight.most = max(flight.most, flight.now)
            flight.begun += 1
            return flight.begun
        }
    }

    /// A request's answer ended, or its connection closed before it did.
    func requestEnded() { inFlight.withLock { $0.now -= 1 } }

    /// Whether request `number` (from ``requestBegan()``) may pass `gate-count`: opens the gate if `count` requests
    /// are in flight now, and passes every request that had begun by the gate's last opening. So a request counted
    /// among the `count` passes even if its handler first looks after the others went through and ended (asked then,
    /// "are `count` in flight?" says no, and it waited out the gate's time limit alone).
    func passesGate(_ count: Int, number: Int) -> Bool {
        inFlight.withLock { flight in
            if flight.now >= count { flight.gatesOpenedThrough[count] = flight.begun }
            return number <= flight.gatesOpenedThrough[count, default: 0]
        }
    }

    /// A gate's wait reached ``ResponsePlan/gateLimit`` and the answer went on without the gate opening.
    func gateLimitReached() { gateLimitsReached.add(1, ordering: .relaxed) }
    var gateLimitsReachedCount: Int { gateLimitsReached.load(ordering: .relaxed) }

    /// Whether `held` answers go on (``FakeProviderServer/releaseHeldAnswers()``); once released, for good.
    var heldAnswersReleased: Bool { held.load(ordering: .acquiring) }
    func releaseHeldAnswers() { held.store(true, ordering: .releasing) }

    var requestsInFlight: Int { inFlight.withLock { $0.now } }
    var mostRequestsInFlight: Int { inFlight.withLock { $0.most } }
    func resetMostRequestsInFlight() { inFlight.withLock { $0.most = $0.now } }
}
