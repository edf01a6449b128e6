import Foundation
import ProviderFakes
import Testing

/// `embedchat --schema`: the request carries the schema, stdout gets the checked JSON, a misfit exits 1.
@Suite("embedchat --schema", .serialized)
struct CLISchemaTests {
    /// The `response_format` of the last request `server` received.
    func sentFormat(_ server: FakeProviderServer) throws -> [String: Any] {
        let request = try #require(server.recordedRequests.last)
        let body = try #require(CLIHarness.json(request.bodyText))
        return try #require(body["response_format"] as? [String: Any])
    }

    @Test func conciseSchemaIsSentAndTheFittingAnswerPrinted() async throws {
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/json-fit", "--schema",
                 "city: the city, temperature_c int, tags [str], sky clear|rain, note str?", "weather in Oslo"],
                environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            #expect(result.status == 0, "\(result)")
            let answer = try #require(CLIHarness.json(result.stdout), "\(result)")
            #expect(answer["city"] as? String == "sample")
            #expect(answer["temperature_c"] as? Int == 7)
            #expect(answer["tags"] as? [String] == ["sample"])
            #expect(answer["sky"] as? String == "clear")
            #expect(result.stdoutLines.count == 1)

            let format = try sentFormat(server)
            #expect(format["type"] as? String == "json_schema")
            let jsonSchema = try #require(format["json_schema"] as? [String: Any])
            #expect(jsonSchema["name"] as? String == "answer")
            #expect(jsonSchema["strict"] as? Bool == true)
            let schema = try #require(jsonSchema["schema"] as? [String: Any])
            #expect(schema["required"] as? [String] == ["city", "temperature_c", "tags", "sky", "note"])
            #expect(schema["additionalProperties"] as? Bool == false)
            let properties = try #require(schema["properties"] as? [String: [String: Any]])
            #expect(properties["city"]?["description"] as? String == "the city")
            #expect(properties["temperature_c"]?["type"] as? String == "integer")
            #expect((properties["tags"]?["items"] as? [String: Any])?["type"] as? String == "string")
            #expect(properties["sky"]?["enum"] as? [String] == ["clear", "rain"])
            #expect(properties["note"]?["type"] as? [String] == ["string", "null"])
        }
    }

    @Test func answerBreakingAJSONSchemaFileExitsOneNamingSchemaAndPath() async throws {
        let file = try CLIHarness.temporaryFile(#"""
            {"type": "object", "properties": {"name": {"type": "string"}, "scores": {"type": "array", "items": {"type": "integer"}}},
             "required": ["name", "scores"], "additionalProperties": false}
            """#, suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/json-break", "--schema", "@\(file)", "rate it"],
                environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("does not fit the schema --schema @\(file) at $.scores[0]"), "\(result)")
            #expect(result.stderr.contains("expected integer, found string"), "\(result)")
            let format = try sentFormat(server)
            let jsonSchema = try #require(format["json_schema"] as? [String: Any])
            #expect(jsonSchema["name"] as? String == URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                .replacingOccurrences(of: ".", with: "_"))
        }
    }

    @Test(arguments: [
        ("city, temperature int, city", "field city is given twice"),
        ("city, temperature integr", "unknown type 'integr'"),
        ("{\"type\": ", "not valid JSON"),
        ("@/nonexistent/schema.json", "cannot read /nonexistent/schema.json"),
    ])
    func badSchemaIsAUsageError(schema: String, message: String) async throws {
        let result = try await CLIHarness.run(["--offline", "--schema", schema, "hi"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }
}
