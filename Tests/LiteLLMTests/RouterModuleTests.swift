import Foundation
import LiteLLM
import PythonEmbed
import Testing

@Suite("The Router's glue module is loaded once per process")
struct RouterModuleTests {
    /// Reloading the module on every `makeRouter` would run its body again and make new classes; loaded once, a second
    /// router is made by the same `Gateway` class as the first.
    @Test func aSecondRouterReusesTheLoadedGlue() async throws {
        let client = try await startClient()
        func deployment() -> RouterDeployment {
            let group = "module-\(UUID().uuidString)"
            return RouterDeployment(group: group, id: "\(group)#0", litellmModel: "openai/echo",
                                    settings: ProviderSettings(apiBase: "http://127.0.0.1:9/v1", apiKey: "sk-test-0123456789abcdef", maxRetries: 0))
        }
        func gatewayClass() throws -> PythonValue {
            try Interpreter.withGIL { gil in
                try Interpreter.run("import sys\nresult = id(sys.modules['_embedchat_router'].Gateway)", gil).toValue(gil)
            }
        }
        _ = try await client.makeRouter([deployment()])
        let first = try gatewayClass()
        _ = try await client.makeRouter([deployment()])
        #expect(try gatewayClass() == first)
    }
}
