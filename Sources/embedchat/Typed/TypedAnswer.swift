import CLIConfig
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
        // `--mcp NAME` runs the server config.toml's [mcp] names it; anything else is a command line.
        let config = options.mcp.isEmpty ? nil : try CLIFailure.loadConfiguration()
        let mcp = options.mcp.map { config?.mcpCommandLine($0) ?? $0 }
        let tools = options.usesTools
            ? try await ToolSession.start(builtins: options.tools, mcp: mcp, yes: options.yes,
                                          debug: options.toolsDebug, maxRounds: options.maxToolRounds)
            : nil
        return TypedAnswer(message: message, schema: schema, tools: tools)
    }

    /// Answers `request` (the conversation so far, ending with ``message``): through `responder` when neither a
    /// schema nor tools apply, else with the schema sent and checked and the tools run.
    /// - Returns: The answer, for the log. With tools, usage counts every round and the cost is left out (litellm's
    ///   cost is the last call's only).
    func answer(_ request: ChatCompletionRequest, responder: Responder) async throws -> Answer {
        var request = request
        if let schema { request = StructuredRequest.request(request, schema: schema.schema, name: schema.name) }
        guard tools != nil || schema != nil else { return try await responder.answer(request) }
        let (client, settings, output) = (responder.client, responder.settings, responder.output)
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
        let answer = Answer(text: text, usage: usage, cost: tools == nil ? completion.cost : nil)
        if output.usage { Terminal.err(UsageReport.line(answer, model: request.model) + "\n") }
        return answer
    }
}
