import ChatLambda
import LiteLLM
import Testing

@Suite("Lambda configuration from the environment")
struct ConfigurationTests {
    @Test func unsetModelsServeOnlyTheOfflineModelWithMockResponse() throws {
        for environment in [[:], ["EMBEDCHAT_MODELS": "  "]] {
            let configuration = try ChatConfiguration.fromEnvironment(environment)
            #expect(configuration.isOfflineOnly)
            #expect(Array(configuration.models.keys) == [OfflineMode.model])
            #expect(configuration.models[OfflineMode.model]?.settings.extra["mock_response"] == .string(OfflineMode.reply))
            #expect(configuration.invokeMode == .buffered)
            #expect(configuration.maxRequestBytes == 1 << 20)
            #expect(configuration.maxTokens == nil)
        }
    }

    @Test func modelEntriesCarryEndpointKeyFromEnvironmentAndOtherKeywords() throws {
        let configuration = try ChatConfiguration.fromEnvironment([
            "EMBEDCHAT_MODELS": #"{"fast": {"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1", "api_key_env": "MY_KEY", "drop_params": true, "num_retries": 2}, "vault": {"model": "anthropic/claude", "api_key_secret": "prod/anthropic"}}"#,
            "MY_KEY": "sk-from-env-123456", "EMBEDCHAT_INVOKE_MODE": "response_stream", "EMBEDCHAT_AUTH_TOKEN": "t0ken",
            "EMBEDCHAT_MAX_REQUEST_BYTES": "2048", "EMBEDCHAT_MAX_TOKENS": "64",
        ])
        let fast = try #require(configuration.models["fast"])
        #expect(fast.litellmModel == "openai/gpt-4o-mini")
        #expect(fast.settings.apiBase == "http://127.0.0.1:9/v1")
        #expect(fast.settings.apiKey == "sk-from-env-123456")
        #expect(fast.settings.extra["num_retries"] == .int(2))
        #expect(fast.settings.extra["drop_params"] == .bool(true))
        #expect(configuration.models["vault"]?.apiKeySecret == "prod/anthropic")
        #expect(configuration.models["vault"]?.settings.apiKey == nil)
        #expect(configuration.invokeMode == .responseStream)
        #expect(configuration.authToken == "t0ken")
        #expect(configuration.maxRequestBytes == 2048)
        #expect(configuration.maxTokens == 64)
    }

    @Test(arguments: [
        ["EMBEDCHAT_MODELS": "not json"],
        ["EMBEDCHAT_MODELS": "{}"],
        ["EMBEDCHAT_MODELS": #"{"a": {"api_base": "http://x"}}"#],
        ["EMBEDCHAT_MODELS": #"{"a": {"model": "openai/x", "api_key_env": "UNSET_VARIABLE_FOR_TEST"}}"#],
        ["EMBEDCHAT_MODELS": #"{"a": {"model": "openai/x", "messages": []}}"#],
        ["EMBEDCHAT_INVOKE_MODE": "SOMETIMES"],
        ["EMBEDCHAT_MAX_REQUEST_BYTES": "-1"],
        ["EMBEDCHAT_MAX_TOKENS": "many"],
    ])
    func invalidSettingsAreRefusedNamingTheVariable(environment: [String: String]) {
        #expect(throws: ChatConfigurationError.self) { try ChatConfiguration.fromEnvironment(environment) }
    }
}
