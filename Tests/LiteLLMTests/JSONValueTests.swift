import Foundation
@testable import LiteLLM
import PythonEmbed
import Testing

@Suite("LiteLLM's JSON values read and write JSON, and cross into Python as their JSON would")
struct JSONValueTests {
    /// Every case, nested: `null`, a Boolean, integers at the ends of `Int`, a non-integral double, text beyond ASCII.
    static let everyCase: JSONValue = [
        "null": nil, "yes": true, "no": false, "min": .int(.min), "max": .int(.max), "half": 0.5,
        "text": "ünïcødé ✓ \"quoted\"", "list": [1, "two", [3.25, nil], ["deep": [:]]], "empty": [],
    ]

    @Test func aValueSurvivesAJSONRoundTrip() throws {
        let data = try JSONEncoder().encode(Self.everyCase)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == Self.everyCase)
    }

    @Test func aValueCrossesIntoPythonAsItsJSONDoes() async throws {
        let json = String(decoding: try JSONEncoder().encode(Self.everyCase), as: UTF8.self)
        _ = try await startClient()
        let (converted, loaded) = try await PythonWorkerPool.shared.run { gil in
            // The value converted directly, and its JSON text read by Python's json.loads, both read back.
            (try Self.everyCase.pythonValue.toPython(gil).toValue(gil),
             try Interpreter.importModule("json", gil).callMethod("loads", arguments: [.string(json)], gil).toValue(gil))
        }
        #expect(converted == loaded)
        #expect(converted == Self.everyCase.pythonValue)
    }

    @Test func providerSettingsKeywordsReachTheCallArgumentsConverted() throws {
        let settings = ProviderSettings(apiKey: "sk-test", extra: ["extra_body": ["metadata": ["tags": ["a", nil]]], "seed_hint": 3])
        let request = ChatCompletionRequest(model: "m", messages: [.user("hi")])
        let arguments = Payload.arguments(request, settings: settings, timeout: nil)
        #expect(arguments["extra_body"] == PythonValue.object(["metadata": ["tags": ["a", .none]]]))
        #expect(arguments["seed_hint"] == PythonValue.int(3))
        #expect(arguments["api_key"] == PythonValue.string("sk-test"))
    }

    @Test func numbersDecodeAsIntegersWhenTheyFitAndDoublesOtherwise() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"[1, 1.5, 1e300, -0]"#.utf8))
        #expect(value == [.int(1), .double(1.5), .double(1e300), .int(0)])
    }
}
