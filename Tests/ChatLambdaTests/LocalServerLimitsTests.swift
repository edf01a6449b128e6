import ChatLambda
import Testing

@Suite("The local server's limits from the environment")
struct LocalServerLimitsTests {
    @Test func unsetVariablesKeepTheDefaults() throws {
        let limits = try LocalServerLimits.fromEnvironment([:])
        #expect(limits == LocalServerLimits())
        #expect(limits.maxConnections == 128 && limits.maxRequestsInFlight == 64 && limits.readTimeout == .seconds(30))
        #expect(limits.maxInFlight == nil && limits.queueWait == .seconds(30))
        #expect(limits.allowedOrigins.isEmpty)
    }

    @Test func setVariablesOverrideThem() throws {
        let limits = try LocalServerLimits.fromEnvironment([
            "EMBEDCHAT_LOCAL_MAX_CONNECTIONS": "7", "EMBEDCHAT_LOCAL_MAX_REQUESTS": "3", "EMBEDCHAT_LOCAL_READ_TIMEOUT_SECONDS": "5",
            "EMBEDCHAT_LOCAL_MAX_HEADER_BYTES": "4096", "EMBEDCHAT_MAX_IN_FLIGHT": "2", "EMBEDCHAT_LOCAL_QUEUE_WAIT_SECONDS": "9",
            "EMBEDCHAT_LOCAL_ALLOWED_ORIGINS": "http://localhost:3000, HTTP://Example.test",
        ])
        #expect(limits.maxConnections == 7 && limits.maxRequestsInFlight == 3 && limits.maxHeaderBytes == 4096)
        #expect(limits.readTimeout == .seconds(5))
        #expect(limits.maxInFlight == 2 && limits.queueWait == .seconds(9))
        #expect(limits.allowedOrigins == ["http://localhost:3000", "http://example.test"])
    }

    @Test(arguments: ["0", "-1", "many", ""])
    func aLimitThatIsNotAPositiveNumberIsRefusedByName(value: String) {
        let error = #expect(throws: LocalServerLimits.Invalid.self) {
            _ = try LocalServerLimits.fromEnvironment(["EMBEDCHAT_LOCAL_MAX_CONNECTIONS": value])
        }
        #expect(error?.description.contains("EMBEDCHAT_LOCAL_MAX_CONNECTIONS") == true)
    }
}
