import LambdaRuntime
import Logging
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension LambdaRuntimeTests {
    @Suite("Log lines")
    struct LoggingTests {
        private func capture(_ format: LambdaLogHandler.Format, _ body: (Logger) -> Void) -> [String] {
            let lines = Recorder<String>()
            var logger = Logger(label: "chat") { label in
                LambdaLogHandler(label: label, format: format, logLevel: .debug, output: { lines.append($0) })
            }
            logger[metadataKey: "requestID"] = "req-1"
            body(logger)
            return lines.all
        }

        @Test func jsonLinesCarryTimestampLevelMessageAndRequestId() throws {
            let lines = capture(.json) { $0.warning("quota \"low\"\nsoon", metadata: ["model": "gpt", "tokens": "12"]) }
            try #require(lines.count == 1)
            #expect(lines[0].hasSuffix("}\n"))
            let object = try JSONDecoder().decode([String: String].self, from: Data(lines[0].utf8))
            #expect(object["level"] == "WARN")
            #expect(object["message"] == "quota \"low\"\nsoon")
            #expect(object["requestId"] == "req-1")
            #expect(object["model"] == "gpt")
            #expect(object["tokens"] == "12")
            #expect(object["logger"] == "chat")
            let timestamp = try #require(object["timestamp"])
            #expect(timestamp.count == 24 && timestamp.hasSuffix("Z"))
        }

        @Test func textLinesCarryLevelAndRequestId() throws {
            let lines = capture(.text) { $0.info("started", metadata: ["model": "gpt"]) }
            try #require(lines.count == 1)
            #expect(lines[0].contains(" INFO [req-1] started model=gpt"))
            #expect(lines[0].hasSuffix("\n"))
        }

        @Test func levelsBelowTheHandlerLevelAreDropped() {
            let lines = capture(.json) { $0.trace("hidden") }
            #expect(lines.isEmpty)
        }
    }
}
