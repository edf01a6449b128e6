import LiteLLM
import Testing

/// litellm's price table and token counter through ModelCatalog, on the real litellm.
@Suite("ModelCatalog")
struct ModelCatalogTests {
    @Test func costsComeFromTheSameTableModelsListsAndUnknownModelsHaveNone() async throws {
        let catalog = ModelCatalog(client: try await startClient())
        let models = try await catalog.models(matching: "GPT-4O-MINI")
        #expect(models.allSatisfy { $0.name.lowercased().contains("gpt-4o-mini") } && !models.isEmpty)
        let mini = try #require(models.first { $0.name == "gpt-4o-mini" })
        #expect(mini.provider == "openai" && mini.mode == "chat")
        #expect((mini.contextWindow ?? 0) >= 100_000)
        let input = try #require(mini.inputPerMillion), output = try #require(mini.outputPerMillion)
        let cost = try #require(await catalog.cost(model: "gpt-4o-mini", promptTokens: 1000, completionTokens: 500))
        let expected = (1000 * input + 500 * output) / 1_000_000
        #expect(expected > 0 && abs(cost - expected) < expected * 1e-9, "\(cost) vs \(expected)")
        let prefixed = await catalog.cost(model: "openai/gpt-4o-mini", promptTokens: 1000, completionTokens: 500)
        #expect(prefixed == cost, "a provider prefix finds the same price")
        #expect(await catalog.cost(model: "openai/no-such-model-xyz", promptTokens: 10, completionTokens: 10) == nil)
        #expect(try await catalog.models(matching: "no-such-model-xyz").isEmpty)
    }

    @Test func countsTokensOfATextAsTheModelsTokenizerDoes() async throws {
        let catalog = ModelCatalog(client: try await startClient())
        let short = try #require(await catalog.countTokens(model: "gpt-4o-mini", text: "hello world"))
        let long = try #require(await catalog.countTokens(model: "gpt-4o-mini", text: String(repeating: "hello world ", count: 100)))
        #expect(short == 2, "tiktoken gives two tokens for 'hello world'")
        #expect(long >= 150 && long <= 250, "\(long)")
        #expect(await catalog.countTokens(model: "some-unknown/model", text: "hello world") != nil, "a default tokenizer counts")
    }
}
