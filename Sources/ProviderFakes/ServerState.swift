import NIOCore
import Synchronization

/// State shared by all connections of one server. Every member is protected by a `Mutex`.
final class ServerState: Sendable {
    private struct Connections {
        var open: [ObjectIdentifier: any Channel] = [:]
        var total = 0
    }

    private let connections = Mutex(Connections())
    private let requests = Mutex<[RecordedRequest]>([])
    private let requestCounter = Mutex(0)
    private let failureCounters = Mutex<[String: Int]>([:])

    /// Registers an accepted connection and returns its number.
    func connectionOpened(_ channel: any Channel) -> Int {
        connections.withLock { c in
            c.total += 1
            c.open[ObjectIdentifier(channel)] = channel
            return c.total
        }
    }

    func connectionClosed(_ channel: any Channel) {
        connections.withLock { c in _ = c.open.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var openConnectionCount: Int { connections.withLock { $0.open.count } }
    var totalConnectionCount: Int { connections.withLock { $0.total } }
    var openChannels: [any Channel] { connections.withLock { Array($0.open.values) } }

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
}
