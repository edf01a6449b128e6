import Dispatch
import ProviderFakes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `fake-provider [--port N] [--ignore-stdin]`: serves ``FakeProviderServer`` on 127.0.0.1 until SIGTERM, SIGINT
/// or end of standard input (unless `--ignore-stdin`). Prints `listening on http://127.0.0.1:PORT` once ready.
@main
struct FakeProviderMain {
    static let usage = """
        usage: fake-provider [--port N] [--ignore-stdin] | --self-check

        Serves fake OpenAI, Anthropic and Bedrock Converse endpoints on 127.0.0.1 for tests.
        Prints "listening on http://127.0.0.1:PORT" when ready, then runs until SIGTERM or SIGINT, or until
        standard input closes (not with --ignore-stdin, e.g. when started in the background with stdin at /dev/null).
        The model name picks the scenario: see FakeProviderServer's documentation (echo, tools-N, unicode,
        long-N, slow-stream-N-MS, delay-MS, status-NNN[-context|-policy|-retry], reset-after-K, ...).

          --port N        port to listen on (default 0: any free port)
          --ignore-stdin  keep running when standard input closes
          --self-check    exercise the library's Swift API against an in-process server, then exit
        """

    static func main() async {
        var port = 0
        var watchStdin = true
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--port", "-p":
                guard let value = arguments.popFirst(), let n = Int(value), (0...65535).contains(n) else {
                    fail("--port needs a number from 0 to 65535")
                }
                port = n
            case _ where argument.hasPrefix("--port="):
                guard let n = Int(argument.dropFirst("--port=".count)), (0...65535).contains(n) else {
                    fail("--port needs a number from 0 to 65535")
                }
                port = n
            case "--ignore-stdin":
                watchStdin = false
            case "--self-check":
                exit(await SelfCheck.run() ? 0 : 1)
            case "--help", "-h":
                writeAll(1, usage + "\n")
                return
            default:
                fail("unknown argument \(argument)")
            }
        }

        let server: FakeProviderServer
        do {
            server = try await FakeProviderServer.start(port: port)
        } catch {
            fail("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        // Unbuffered, so a parent reading the pipe sees the line at once.
        writeAll(1, "listening on http://127.0.0.1:\(server.port)\n")

        let reason = await waitForStop(watchStdin: watchStdin)
        try? await server.shutdown()
        writeAll(2, "fake-provider: stopping (\(reason))\n")
    }

    /// Writes all of `text` to a file descriptor, bypassing stdio buffering.
    static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    static func fail(_ message: String) -> Never {
        writeAll(2, "fake-provider: \(message)\n\(usage)\n")
        exit(2)
    }

    /// Returns when SIGTERM or SIGINT arrives or standard input reaches its end.
    static func waitForStop(watchStdin: Bool) async -> String {
        let (reasons, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
        let queue = DispatchQueue(label: "fake-provider.signals")
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        if watchStdin {
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                    if n > 0 { continue }
                    if n < 0 && errno == EINTR { continue }
                    break
                }
                continuation.yield("stdin closed")
            }
        }
        var reason = "stream ended"
        for await first in reasons {
            reason = first
            break
        }
        for source in sources { source.cancel() }
        return reason
    }
}
