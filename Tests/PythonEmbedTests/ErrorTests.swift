import PythonEmbed
import Testing

@Suite("Python exceptions as Swift errors")
struct ErrorTests {
    @Test func exceptionCarriesTypeMessageAndTraceback() async throws {
        let error = try await #require(throws: PythonError.self) {
            try await evaluate("def explode():\n    raise ValueError('bad value 7')\nexplode()")
        }
        #expect(error.typeName == "ValueError")
        #expect(error.message == "bad value 7")
        #expect(error.description == "ValueError: bad value 7")
        #expect(error.traceback?.contains("in explode") == true)
        #expect(error.isInstance(of: "Exception"))
    }

    @Test func qualifiedNamesAndRequestedAttributesAreCaptured() async throws {
        PythonError.capturedAttributeNames.insert("llm_provider")
        let error = try await #require(throws: PythonError.self) {
            try await evaluate("""
                import json
                class UpstreamError(json.JSONDecodeError):
                    status_code = 429
                    llm_provider = "openai"
                raise UpstreamError("slow down", "doc", 0)
                """)
        }
        #expect(error.typeName == "UpstreamError")
        #expect(error.isInstance(of: "json.decoder.JSONDecodeError"))
        #expect(error.isInstance(of: "ValueError"))
        #expect(error.attributes["status_code"] == 429)
        #expect(error.attributes["llm_provider"] == "openai")
    }

    @Test(arguments: ["raise SystemExit(3)", "import sys; sys.exit('bye')", "raise KeyboardInterrupt"])
    func systemExitAndKeyboardInterruptNeverEndTheHost(code: String) async throws {
        let error = try await #require(throws: PythonError.self) { try await evaluate(code) }
        #expect(error.typeName == "SystemExit" || error.typeName == "KeyboardInterrupt")
        #expect(try await evaluate("result = 'still alive'") == "still alive")
    }

    @Test func systemExitInsideACoroutineKeepsTheEventLoopRunning() async throws {
        try startPython()
        let loop = try PythonEventLoop.shared()
        await #expect(throws: PythonError.self) {
            _ = try await loop.run({ gil in
                try Interpreter.run("async def bye():\n    raise SystemExit(1)\nresult = bye()", gil)
            }, convert: { value, gil in try value.toValue(gil) })
        }
        let after = try await loop.run({ gil in
            try Interpreter.run("async def hello():\n    return 'loop alive'\nresult = hello()", gil)
        }, convert: { value, gil in try value.toValue(gil) })
        #expect(after == "loop alive")
    }

    @Test func anExceptionWhoseStrRaisesItselfDoesNotRecurse() async throws {
        let error = try await #require(throws: PythonError.self) {
            try await evaluate("class Loop(Exception):\n    def __str__(self):\n        raise Loop()\nraise Loop()")
        }
        #expect(error.typeName == "Loop")
        #expect(try await evaluate("result = 'alive'") == "alive")
    }

    @Test func anExceptionWhoseStrRaisesIsStillDescribed() async throws {
        let error = try await #require(throws: PythonError.self) {
            try await evaluate("class Weird(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise Weird()")
        }
        #expect(error.typeName == "Weird")
        #expect(try await evaluate("result = 1") == 1)  // nothing left pending
    }
}
