import Foundation
import ProviderFakes

/// A loopback TCP connection driven byte by byte, for tests of what a server does with odd clients (slow ones,
/// oversized ones, HTTP/1.0 ones) that no HTTP client library would send. Blocking calls: use it from
/// ``onThread(_:)``, never on the cooperative pool.
final class RawHTTPConnection: @unchecked Sendable {
    private let fd: Int32

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) throws {
        guard let fd = LoopbackSocket.connect(port: port) else {
            throw BootstrapHarnessError(message: "connect to port \(port) failed: \(errno)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes all of `text`; `false` if the server had closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Reads until the server closes the connection, or `timeout` passes without a byte.
    /// - Returns: What arrived, and whether the server closed (a reset counts as closed).
    func readUntilClose(timeout: Duration = .seconds(60)) -> (text: String, closed: Bool) {
        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
            } else {
                let closed = count == 0 || errno == ECONNRESET
                return (String(decoding: received, as: UTF8.self), closed)
            }
        }
    }

    /// Reads until `marker` has arrived (`false`: the connection closed or went quiet for a minute first).
    func readUntil(_ marker: String) -> Bool {
        var seconds = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return false }
            received += buffer[..<count]
        }
        return true
    }

    /// The status code of the first response in `text`.
    static func status(_ text: String) -> Int? {
        guard text.hasPrefix("HTTP/1."), text.count >= 12 else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}

/// Runs blocking work on a thread of its own and returns its result.
func onThread<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "raw-client"
        thread.start()
    }
}
