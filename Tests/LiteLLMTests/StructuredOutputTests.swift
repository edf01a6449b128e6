import Foundation
import LiteLLM
import ProviderFakes
import Testing

struct Weather: StructuredOutput, Equatable {
    enum Sky: String, Decodable, CaseIterable { case clear, cloudy, rain }
    var city: String
    var temperatureC: Int
    var sky: Sky
    var note: String?
    var tags: [String]

    static let schema: JSONSchema = .object([
        "city": .string(description: "the city asked about"),
        "temperatureC": .integer,
        "sky": .oneOf(Sky.self),
        "note": JSONSchema.string.orNull,
        "tags": .array(of: .string),
    ])
}

/// A schema that says `count` is a string while the type decodes an integer.
struct Disagreeing: StructuredOutput {
    var count: Int
    static let schema: JSONSchema = .object(["count": .string])
}

@Suite("Structured output: typed answers checked against their schema", .serialized)
struct StructuredOutputTests {
    /// The `response_format` of the last request the fake received.
    func sentFormat(_ server: FakeProviderServer) throws -> JSONValue {
        let request = try #require(server.recordedRequests.last)
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(request.body))
        return try #require(body["response_format"])
    }

    @Test func typedAnswerDecodesAndRequestCarriesTheSchema() async throws {
        try await withProvider { client, server in
            let weather = try await client.complete(ask("openai/json-fit", "weather in Oslo"), as: Weather.self,
                                                    settings: server.openAI)
            #expect(weather == Weather(city: "sample", temperatureC: 7, sky: .clear, note: "sample", tags: ["sample"]))

            let format = try sentFormat(server)
            #expect(format["type"] == "json_schema")
            #expect(format["json_schema"]?["name"] == "Weather")
            #expect(format["json_schema"]?["strict"] == true)
            #expect(format["json_schema"]?["schema"] == Weather.schema.json)
            #expect(format["json_schema"]?["schema"]?["required"] == ["city", "temperatureC", "sky", "note", "tags"])
        }
    }

    @Test func wrongTypeDeepInTheAnswerIsNamedByPath() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: StructuredOutputError.self) {
                try await client.complete(ask("openai/json-break"), as: Weather.self, settings: server.openAI)
            }
            #expect(error?.code == .schemaMismatch)
            #expect(error?.path == "$.tags[0]")
            #expect(error?.reason == "expected string, found integer")
            #expect(error?.schemaName == "Weather")
            #expect(error?.description.contains("schema 'Weather' at $.tags[0]") == true)
        }
    }

    @Test func missingRequiredPropertyIsNamed() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: StructuredOutputError.self) {
                try await client.complete(ask("openai/json-missing"), as: Weather.self, settings: server.openAI)
            }
            #expect(error?.code == .schemaMismatch)
            #expect(error?.path == "$.city")
            #expect(error?.reason == "required property is missing")
        }
    }

    @Test func proseAroundTheJSONIsNotJSON() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: StructuredOutputError.self) {
                try await client.complete(ask("openai/json-prose"), as: Weather.self, settings: server.openAI)
            }
            #expect(error?.code == .notJSON)
            #expect(error?.path == nil)
            #expect(error?.answer?.hasPrefix("Sure!") == true)
        }
    }

    @Test func schemaThatDisagreesWithTheTypeIsADecodingError() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: StructuredOutputError.self) {
                try await client.complete(ask("openai/json-fit"), as: Disagreeing.self, settings: server.openAI)
            }
            #expect(error?.code == .decoding)
            #expect(error?.path == "$.count")
        }
    }

    @Test func fakeRefusesAJSONScenarioWithoutASchema() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: LiteLLMError.self) {
                try await client.complete(ask("openai/json-fit"), settings: server.openAI)
            }
            #expect(error?.kind == .badRequest)
            #expect(error?.message.contains("response_format") == true)
        }
    }

    @Test func runtimeSchemaReturnsCheckedJSON() async throws {
        try await withProvider { client, server in
            let schema = JSONSchema(json: ["type": "object", "properties": ["n": ["type": "number"]], "required": ["n"]])
            let answer = try await client.complete(ask("openai/json-fit"), schema: schema, name: "my schema!",
                                                   settings: server.openAI)
            #expect(answer.json == ["n": 1.5])
            #expect(answer.completion.usage != nil)
            let format = try sentFormat(server)
            #expect(format["json_schema"]?["name"] == "my_schema_")
            #expect(format["json_schema"]?["strict"] == false, "no additionalProperties: false, so not strict")
        }
    }
}

@Suite("JSON Schema DSL and validator")
struct SchemaValidatorTests {
    let schema = Weather.schema

    func violation(_ json: String) throws -> SchemaViolation? {
        SchemaValidator.firstViolation(of: try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)), against: schema)
    }

    @Test func dslMakesStrictObjects() {
        #expect(schema.isStrictCompatible)
        #expect(schema.json["additionalProperties"] == false)
        #expect(schema.json["properties"]?["note"]?["type"] == ["string", "null"])
        #expect(schema.json["properties"]?["sky"]?["enum"] == ["clear", "cloudy", "rain"])
        #expect(schema.json["properties"]?["city"]?["description"] == "the city asked about")
        #expect(!JSONSchema(json: ["type": "object", "properties": ["a": ["type": "string"]]]).isStrictCompatible)
    }

    @Test func fittingValuePasses() throws {
        #expect(try violation(#"{"city":"Oslo","temperatureC":3,"sky":"rain","note":null,"tags":[]}"#) == nil)
        #expect(try violation(#"{"city":"Oslo","temperatureC":3.0,"sky":"rain","note":"x","tags":["a","b"]}"#) == nil,
                "3.0 is an integer in JSON Schema")
    }

    @Test(arguments: [
        (#"[]"#, "$", "expected object, found array"),
        (#"{"temperatureC":3,"sky":"rain","note":null,"tags":[]}"#, "$.city", "required property is missing"),
        (#"{"city":"Oslo","temperatureC":3.5,"sky":"rain","note":null,"tags":[]}"#, "$.temperatureC", "expected integer, found number"),
        (#"{"city":"Oslo","temperatureC":3,"sky":"snow","note":null,"tags":[]}"#, "$.sky", #""snow" is not one of "clear", "cloudy", "rain""#),
        (#"{"city":"Oslo","temperatureC":3,"sky":"rain","note":1,"tags":[]}"#, "$.note", "expected string or null, found integer"),
        (#"{"city":"Oslo","temperatureC":3,"sky":"rain","note":null,"tags":["a",null]}"#, "$.tags[1]", "expected string, found null"),
        (#"{"city":"Oslo","temperatureC":3,"sky":"rain","note":null,"tags":[],"my key":1}"#, #"$["my key"]"#,
         "property is not allowed (additionalProperties is false)"),
    ])
    func firstFaultIsNamedByPath(json: String, path: String, reason: String) throws {
        let found = try #require(try violation(json))
        #expect(found.path == path)
        #expect(found.reason == reason)
    }

    @Test func firstFaultFollowsTheRequiredOrder() throws {
        let found = try violation(#"{"city":1,"temperatureC":"x","sky":"rain","note":null,"tags":[]}"#)
        #expect(found?.path == "$.city")
    }
}
