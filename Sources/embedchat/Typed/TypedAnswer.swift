import Foundation
import LiteLLM

/// `ask` with ``TypedOptions``: attachments sent with the prompt, tools run for the model, the answer checked
/// against `--schema`.
///
/// ``prepare(_:options:)`` does everything that can fail without Python (reading the attachments and the schema,
/// starting the MCP servers), so a bad attachment or server is reported before the seconds litellm takes to start.
/// The tool loop ends the servers; if litellm never starts, they see their stdin close when embedchat exits.
struct TypedAnswer: Sendable {
    let message: ChatMessage
    let schema: SchemaArgument?
    let tools: ToolSession?

    static func prepare(_ prompt: String, options: TypedOptions) async throws -> TypedAnswer {
        let message = ChatMessage.user(prompt, attachments: try AttachmentArguments.load(options.attachments))
        let schema = try options.schema.map(SchemaArgument.init)
        let tools = options.usesTools
            ? try await ToolSession.start(builtins: options.tools, mcp: options.mcp, yes: options.yes,
                                          debug: options.toolsDebug, maxRounds: options.maxToolRounds)
            : nil
        return TypedAnswer(message: message, schema: schema, tools: tools)
    }

    func answer(client: LiteLLMClient, settings: ModelSettings, output: OutputOptions) async throws {
        var request = settings.request([message])
        if let schema { request = StructuredRequest.request(request, schema: schema.schema, name: schema.name) }
        guard tools != nil || schema != nil else {
            return try await EmbedChat.Ask.answer(message, client: client, settings: settings, output: output)
        }
        let completion: ChatCompletion
        var usage: Usage?
        if let tools {
            let result = try await tools.run(request, client: client, settings: settings)
            (completion, usage) = (result.completion, result.usage)
        } else {
            completion = try await client.complete(request, settings: settings.provider, timeout: settings.timeout)
            usage = completion.usage
        }
        var text = completion.text ?? ""
        if let schema {
            do {
                text = try StructuredRequest.check(completion, schema: schema.schema, name: schema.name).text
            } catch {
                throw schema.failure(error)
            }
        }
        if output.json {
            Terminal.out(JSONLines.encode(completion) + "\n")
        } else {
            Terminal.out(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
        }
        // With tools the counts are every round's; litellm's cost is the last call's only, so it is left out.
        if output.usage { Terminal.err(UsageReport.line(usage, cost: tools == nil ? completion.cost : nil) + "\n") }
    }
}
