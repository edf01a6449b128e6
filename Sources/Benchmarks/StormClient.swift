import Foundation
import ProviderFakes

/// The storm's HTTP clients: blocking sockets on threads of their own, one connection per request, so a client can
/// do what no HTTP library does (leave mid-stream, never read).
enum StormClient {
    /// Sends `request` to 127.0.0.1:`port` and judges what comes back.
    /// - Parameter budget: Seconds without a byte before the request counts as hung.
    static func run(_ request: StormRequest, port: Int, budget: Int) -> StormOutcome {
        guard let fd = LoopbackSocket.connect(port: port, timeoutSeconds: budget) else {
            return errno == ECONNREFUSED ? .wrong("connection refused") : .closed
        }
        defer { close(fd) }
        // A server that refuses a body at its cap closes while we still send: that is an answer if one arrived.
        _ = write(fd, request.http)

        switch request.kind {
        case .neverReads:
            // Ask for a long stream, read nothing, leave.
            Thread.sleep(forTimeInterval: 0.5)
            return .answered
        case .leavesMidStream:
            let (text, _) = read(fd, until: "data: ")
            if let status = status(text), status != 200 { return status == 503 ? .refused : .wrong("status \(status)") }
            return text.contains("data: ") ? .answered : .closed
        default:
            let (text, hung) = read(fd, until: nil)
            if hung { return .hung }
            guard let status = status(text) else { return .closed }
            if status == 503, text.lowercased().contains("retry-after:"), !request.kind.expected.contains(503) { return .refused }
            guard request.kind.expected.contains(status) else {
                return .wrong("\(request.kind.rawValue): status \(status): \(text.prefix(300))")
            }
            return judge(request.kind, status: status, body: text)
        }
    }

    /// Whether a right status came with a right body.
    static func judge(_ kind: StormKind, status: Int, body: String) -> StormOutcome {
        switch kind {
        case .buffered:
            return body.contains("echo: storm-prompt-") ? .answered : .wrong("buffered: no echo: \(body.suffix(200))")
        case .streamed, .slowAnswer:
            if kind == .streamed && !body.contains("data: [DONE]") { return .wrong("streamed: no [DONE]: \(body.suffix(200))") }
            return .answered
        case .cutStream:
            // The stream is cut upstream after three events: its end is an error event.
            return body.contains("\"error\"") ? .answered : .wrong("cut stream without an error event: \(body.suffix(200))")
        default:
            return body.contains("\"error\"") ? .answered : .wrong("\(kind.rawValue): no error body: \(body.suffix(200))")
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Reads until `marker` arrives, the server closes, or the budget passes without a byte (`hung`).
    static func read(_ fd: Int32, until marker: String?) -> (text: String, hung: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
                if let marker, String(decoding: received, as: UTF8.self).contains(marker) { break }
            } else {
                let hung = count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                return (String(decoding: received, as: UTF8.self), hung)
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    static func status(_ text: String) -> Int? {
        guard text.hasPrefix("HTTP/1."), text.utf8.count >= 12 else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}
