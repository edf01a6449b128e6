import LiteLLM
import PythonEmbed
import Testing

@Suite("litellm's pydantic objects convert through the converter LiteLLM installs")
struct PydanticConversionTests {
    @Test func startingTheClientInstallsThePydanticConverter() async throws {
        _ = try await startClient()
        #expect(PythonObjectConversion.installed.contains("pydantic"))
    }

    @Test func litellmsResponseAndMessageConvertWhereverTheyNest() async throws {
        _ = try await startClient()
        let value = try Interpreter.withGIL { gil in
            try Interpreter.run("""
                import litellm
                response = litellm.completion(model="openai/offline", custom_llm_provider="openai",
                                              messages=[{"role": "user", "content": "hi"}], mock_response="converted")
                result = {"responses": [response], "pair": (response.choices[0].message, response.usage)}
                """, gil).toValue(gil)
        }
        let response = try #require(value["responses"]?.arrayValue?.first)
        #expect(response["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
        #expect(response["choices"]?.arrayValue?.first?["message"]?["content"] == "converted")
        let pair = try #require(value["pair"]?.arrayValue)
        #expect(pair.count == 2)
        #expect(pair.first?["role"] == "assistant")
        #expect(pair.first?["content"] == "converted")
        #expect(pair.last?["prompt_tokens"] == 10)
    }

    @Test func pydanticModelsConvertThroughTheirDump() async throws {
        _ = try await startClient()
        let value = try Interpreter.withGIL { gil in
            try Interpreter.run("""
                import pydantic
                class Inner(pydantic.BaseModel):
                    x: int
                class Outer(pydantic.BaseModel):
                    name: str
                    inner: Inner
                result = [Outer(name="n", inner=Inner(x=3))]
                """, gil).toValue(gil)
        }
        #expect(value == [["name": "n", "inner": ["x": 3]]])
    }

    @Test func anObjectThatIsNotAPydanticModelIsNotDumpedEvenWithAModelDump() async throws {
        _ = try await startClient()
        let error = try #require(throws: PythonConversionError.self) {
            try Interpreter.withGIL { gil in
                try Interpreter.run("""
                    class Lookalike:
                        def model_dump(self): return {"x": 1}
                    result = [Lookalike()]
                    """, gil).toValue(gil)
            }
        }
        #expect(error.reason.contains("a Lookalike has no Swift value"), "\(error)")
    }

    @Test func aModelDumpThatIsNotADictIsAnErrorNamingTheType() async throws {
        _ = try await startClient()
        let error = try #require(throws: PythonError.self) {
            try Interpreter.withGIL { gil in
                try Interpreter.run("""
                    import pydantic
                    class Odd(pydantic.BaseModel):
                        def model_dump(self, **kwargs): return 5
                    result = {"odd": Odd()}
                    """, gil).toValue(gil)
            }
        }
        #expect(error.typeName == "TypeError")
        #expect(error.message.contains("model_dump() of a Odd did not return a dict"), "\(error)")
    }
}
