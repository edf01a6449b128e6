import LiteLLM
import Testing

@Suite("One table of the providers' credential variables")
struct ProviderVariablesTests {
    @Test func adviceComesFromTheTableAndFallsBackToLitellmsUsualName() {
        #expect(ProviderVariables.keyAdvice(for: nil) == "OPENAI_API_KEY")
        #expect(ProviderVariables.keyAdvice(for: "text-completion-openai") == "OPENAI_API_KEY")
        #expect(ProviderVariables.keyAdvice(for: "sagemaker").hasPrefix("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
        #expect(ProviderVariables.keyAdvice(for: "vertex_ai") == "GOOGLE_APPLICATION_CREDENTIALS")
        #expect(ProviderVariables.keyAdvice(for: "together_ai") == "TOGETHERAI_API_KEY")
        #expect(ProviderVariables.keyAdvice(for: "fireworks-ai") == "FIREWORKS_AI_API_KEY")
    }

    @Test func everyListedVariableIsListedOnceAndEveryKeyAdviceNamesAListedOne() {
        #expect(Set(ProviderVariables.all).count == ProviderVariables.all.count)
        for entry in ProviderVariables.table where !entry.variables.isEmpty {
            for provider in entry.providers {
                let advice = ProviderVariables.keyAdvice(for: provider)
                #expect(ProviderVariables.all.contains { advice.hasPrefix($0) }, "\(provider): \(advice)")
            }
        }
    }
}
