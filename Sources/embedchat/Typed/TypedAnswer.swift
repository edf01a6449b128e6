import Foundation
import LiteLLM

/// `ask` with ``TypedOptions``: the answer checked against `--schema`.
enum TypedAnswer {
    static func answer(_ prompt: String, options: TypedOptions, client: LiteLLMClient, settings: ModelSettings,
                       output: OutputOptions) async throws {
        let request = settings.request([.user(prompt)])
        guard let argument = options.schema else { return }
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
