import Foundation
import LiteLLM

/// `ask` with ``TypedOptions``: attachments sent with the prompt, the answer checked against `--schema`.
enum TypedAnswer {
    static func answer(_ prompt: String, options: TypedOptions, client: LiteLLMClient, settings: ModelSettings,
                       output: OutputOptions) async throws {
        let message = ChatMessage.user(prompt, attachments: try AttachmentArguments.load(options.attachments))
        let request = settings.request([message])
        guard let argument = options.schema else {
            return try await EmbedChat.Ask.answer(message, client: client, settings: settings, output: output)
        }
        let schema = try SchemaArgument(argument)
        let answer: StructuredCompletion<JSONValue>
        do {
            answer = try await client.complete(request, schema: schema.schema, name: schema.name,
                                               settings: settings.provider, timeout: settings.timeout)
        } catch let error as StructuredOutputError {
            throw schema.failure(error)
        }
        Terminal.out((output.json ? JSONLines.encode(answer.completion) : answer.text) + "\n")
        if output.usage { Terminal.err(UsageReport.line(answer.completion.usage, cost: answer.completion.cost) + "\n") }
    }
}
