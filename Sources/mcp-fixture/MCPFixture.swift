import Foundation
import MCP

/// A tiny stdio MCP server for the tests: `shout` a text, `add` two integers, `fail` on purpose (listed in that
/// order, so the fake provider's tool scenarios call `shout`).
@main
struct MCPFixture {
    static func main() async throws {
        let server = Server(name: "embedchat-mcp-fixture", version: "1.0.0", capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            .init(tools: [
                Tool(name: "shout", description: "Returns the text in capitals",
                     inputSchema: ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]]),
                Tool(name: "add", description: "Adds two integers",
                     inputSchema: ["type": "object", "properties": ["a": ["type": "integer"], "b": ["type": "integer"]],
                                   "required": ["a", "b"]]),
                Tool(name: "fail", description: "Always fails", inputSchema: ["type": "object", "properties": [:]]),
            ])
        }
        await server.withMethodHandler(CallTool.self) { call in
            switch call.name {
            case "add":
                guard let a = call.arguments?["a"]?.intValue, let b = call.arguments?["b"]?.intValue else {
                    return .init(content: [.text(text: "add needs integers a and b", annotations: nil, _meta: nil)], isError: true)
                }
                return .init(content: [.text(text: "\(a) + \(b) = \(a + b)", annotations: nil, _meta: nil)])
            case "shout":
                let text = call.arguments?["text"]?.stringValue ?? ""
                return .init(content: [.text(text: text.uppercased(), annotations: nil, _meta: nil)])
            case "fail":
                return .init(content: [.text(text: "the fixture failed on purpose", annotations: nil, _meta: nil)], isError: true)
            default:
                return .init(content: [.text(text: "no tool \(call.name)", annotations: nil, _meta: nil)], isError: true)
            }
        }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
