import ProviderFakes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `fake-provider --self-check`: exercises the Swift API of ``FakeProviderServer`` (port, recorded requests,
/// connection counts, keep-alive, shutdown closing open connections) with plain blocking sockets.
enum SelfCheck {
    /// A blocking loopback TCP client.
    final class Client {
        let fd: Int32

        init?(port: Int) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { close(fd); return nil }
        }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }

        /// Reads one response with a content-length body; returns its text, or what arrived before EOF or timeout.
        func readResponse() -> String {
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let text = String(decoding: data, as: UTF8.self)
                if let end = (0..<max(0, data.count - 3)).first(where: { data[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }) {
                    let head = String(decoding: data[..<end], as: UTF8.self).lowercased()
                    if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                       let length = Int(line.dropFirst("content-length:".count).trimmingCharacters()),
                       data.count - end - 4 >= length {
                        return text
                    }
                }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return text }
                data += buffer[0..<n]
            }
        }

        /// True when the server closed the connection (read returns 0 or an error) within the receive timeout.
        func readsEOF() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n == 0 { return true }
                if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
            }
        }

        func shut() { close(fd) }
    }

    static func request(model: String, text: String) -> String {
        let body = "{\"model\":\"\(model)\",\"messages\":[{\"role\":\"user\",\"content\":\"\(text)\"}]}"
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func run() async -> Bool {
        var failures = 0
        func check(_ name: String, _ condition: Bool, _ detail: @autoclosure () -> String = "") {
            FakeProviderMain.writeAll(1, "\(condition ? "ok  " : "FAIL") \(name) \(condition ? "" : detail())\n")
            if !condition { failures += 1 }
        }
        do {
            let server = try await FakeProviderServer.start()
            check("port assigned", server.port > 0, "\(server.port)")
            check("bases", server.openAIBase == "http://127.0.0.1:\(server.port)/v1"
                && server.anthropicBase == "http://127.0.0.1:\(server.port)"
                && server.bedrockEndpoint == server.anthropicBase)
            check("no connections yet", server.openConnections == 0 && server.totalConnections == 0)

            guard let client = Client(port: server.port) else { check("connect", false); return false }
            client.send(request(model: "echo", text: "hi there"))
            let first = client.readResponse()
            check("echo reply", first.contains("\"content\":\"echo: hi there\""), first)
            client.send(request(model: "transcript", text: "again"))
            let second = client.readResponse()
            check("keep-alive second reply", second.contains("transcript: user: again"), second)
            check("one connection open, one in total", server.openConnections == 1 && server.totalConnections == 1,
                  "\(server.openConnections) \(server.totalConnections)")
            let recorded = server.recordedRequests
            check("recorded requests", recorded.count == 2 && recorded[0].model == "echo" && recorded[0].method == "POST"
                && recorded[0].path == "/v1/chat/completions" && recorded[0].header("HOST") == "127.0.0.1"
                && recorded[0].bodyText.contains("hi there") && recorded[1].connectionNumber == recorded[0].connectionNumber
                && recorded[1].sequenceNumber == 2, "\(recorded)")

            guard let hanging = Client(port: server.port) else { check("connect 2", false); return false }
            hanging.send(request(model: "hang", text: "x"))
            let sawTwo = await server.waitForOpenConnections(2, timeout: .seconds(2))
            check("hanging request holds a second connection", sawTwo, "\(server.openConnections)")
            hanging.shut()
            let backToOne = await server.waitForOpenConnections(1, timeout: .seconds(2))
            check("client close is seen (openConnections back to 1)", backToOne, "\(server.openConnections)")

            server.clearRecordedRequests()
            check("clearRecordedRequests", server.recordedRequests.isEmpty)

            guard let stuck = Client(port: server.port) else { check("connect 3", false); return false }
            stuck.send(request(model: "slow-stream-100-100", text: "x"))
            _ = await server.waitForOpenConnections(2, timeout: .seconds(2))
            try await server.shutdown()
            let allClosed = await server.waitForOpenConnections(0, timeout: .seconds(2))
            check("shutdown closes open connections", allClosed, "\(server.openConnections)")
            check("client sees EOF after shutdown", stuck.readsEOF() && client.readsEOF())
            check("no new connections after shutdown", Client(port: server.port) == nil)
            client.shut()
            stuck.shut()
            try await server.shutdown()  // twice is harmless
        } catch {
            check("no error", false, "\(error)")
        }
        FakeProviderMain.writeAll(1, failures == 0 ? "self-check passed\n" : "self-check: \(failures) failed\n")
        return failures == 0
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
