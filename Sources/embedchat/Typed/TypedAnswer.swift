import Foundation
import LiteLLM

/// `ask` with ``TypedOptions``: attachments sent with the prompt, tools run for the model, the answer checked
/// against `--schema`.
enum TypedAnswer {
    static func answer(_ prompt: String, options: TypedOptions, client: LiteLLMClient, settings: ModelSettings,
                       output: OutputOptions) async throws {
        let message = ChatMessage.user(prompt, attachments: try AttachmentArguments.load(options.attachments))
        var request = settings.request([message])
        let schema = try options.schema.map(SchemaArgument.init)
        if let schema { request = StructuredRequest.request(request, schema: schema.schema, name: schema.name) }
        guard options.usesTools || schema != nil else {
            return try await EmbedChat.Ask.answer(message, client: client, settings: settings, output: output)
        }
        let completion: ChatCompletion
        if options.usesTools {
            let session = try await ToolSession.start(builtins: options.tools, mcp: options.mcp, yes: options.yes,
                                                      debug: options.toolsDebug, maxRounds: options.maxToolRounds)
            completion = try await session.run(request, client: client, settings: settings).completion
        } else {
            completion = try await client.complete(request, settings: settings.provider, timeout: settings.timeout)
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
        if output.usage { Terminal.err(UsageReport.line(completion.usage, cost: completion.cost) + "\n") }
    }
}
