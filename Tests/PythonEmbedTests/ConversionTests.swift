import Foundation
import PythonEmbed
import Testing

@Suite("Values between Swift and Python")
struct ConversionTests {
    @Test func everyKindRoundTripsThroughPython() async throws {
        let value: PythonValue = [
            "none": nil, "yes": true, "no": false, "int": -42, "big": .int(Int.max), "double": 2.5,
            "text": "héllo 👋 世界", "bytes": .bytes([0, 1, 255]), "list": [1, "two", [3.0]], "empty": [:],
        ]
        let back = try await withPython { gil in try value.toPython(gil).toValue(gil) }
        #expect(back == value)
    }

    @Test func pythonTypesArriveAsTheirSwiftValues() async throws {
        let value = try await evaluate("""
            result = {"t": (1, 2), "ba": bytearray(b"ab"), "b": True, "n": None, "f": 0.5, "nested": {"k": [None]}}
            """)
        #expect(value == ["t": [1, 2], "ba": .bytes([97, 98]), "b": true, "n": nil, "f": 0.5, "nested": ["k": [nil]]])
    }

    @Test func pythonSeesTheRightTypes() async throws {
        let types = try await withPython { gil in
            let check = try Interpreter.run("result = lambda v: {k: type(x).__name__ for k, x in v.items()}", gil)
            let value: PythonValue = ["a": nil, "b": true, "c": 1, "d": 1.5, "e": "s", "f": .bytes([1]), "g": [], "h": [:]]
            return try check.call(arguments: [value], gil).toValue(gil)
        }
        #expect(types == ["a": "NoneType", "b": "bool", "c": "int", "d": "float", "e": "str", "f": "bytes", "g": "list", "h": "dict"])
    }

    @Test func objectsConvertThroughAnInstalledConverterWhereverTheyNest() async throws {
        // Answers only for objects carrying its marker, so other tests' objects are left to the rest.
        PythonObjectConversion.install("conversion-test") { object, gil in
            guard object.hasAttribute("_conversion_test_plain", gil) else { return nil }
            return try object.callMethod("_conversion_test_plain", gil)
        }
        #expect(PythonObjectConversion.installed.contains("conversion-test"))
        let value = try await evaluate("""
            class Point:
                def __init__(self, x, y): self.x, self.y = x, y
                def _conversion_test_plain(self): return {"x": self.x, "y": self.y}
            class Path:
                def __init__(self, *points): self.points = points
                def _conversion_test_plain(self): return list(self.points)
            result = {"one": Point(1, 2), "many": [Path(Point(3, 4), Point(5, 6))], "plain": (7,)}
            """)
        #expect(value == ["one": ["x": 1, "y": 2], "many": [[["x": 3, "y": 4], ["x": 5, "y": 6]]], "plain": [7]])
    }

    @Test func aConverterThatKeepsAnsweringWithObjectsMeetsTheDepthLimit() async throws {
        PythonObjectConversion.install("conversion-test-endless") { object, gil in
            guard object.hasAttribute("_conversion_test_again", gil) else { return nil }
            return try object.callMethod("_conversion_test_again", gil)
        }
        let error = try await #require(throws: PythonConversionError.self) {
            try await evaluate("""
                class Again:
                    def _conversion_test_again(self): return Again()
                result = Again()
                """)
        }
        #expect(error.reason.contains("nested deeper than"), "\(error)")
    }

    @Test func theHostKnowsNoModelLibrary() async throws {
        // A model_dump method means nothing to PythonEmbed itself: LiteLLM installs a converter for pydantic models
        // (instances of pydantic.BaseModel only), so this holds whatever ran before in the process.
        let error = try await #require(throws: PythonConversionError.self) {
            try await evaluate("""
                class Model:
                    def model_dump(self): return {"x": 1}
                result = [Model()]
                """)
        }
        #expect(error.reason.contains("a Model has no Swift value"), "\(error)")
        #expect(error.path == "$[0]")
    }

    @Test(arguments: [
        ("result = 2 ** 70", "integer does not fit in 64 bits"),
        ("result = float('nan')", "no JSON representation"),
        ("result = [float('inf')]", "no JSON representation"),
        ("result = '\\udc80'", "not valid UTF-8"),
        ("result = {1: 'x'}", "dict key of type int is not a string"),
        ("result = object()", "a object has no Swift value"),
        ("result = []; result.append(result)", "reference cycle"),
        ("d = {}; d['self'] = {'up': d}; result = d", "reference cycle"),
    ])
    func unrepresentableValuesAreErrorsNotCrashes(code: String, reason: String) async throws {
        let error = try await #require(throws: PythonConversionError.self) { try await evaluate(code) }
        #expect(error.reason.contains(reason), "\(error)")
    }

    @Test func deepNestingIsAnErrorWithItsPath() async throws {
        let error = try await #require(throws: PythonConversionError.self) {
            try await evaluate("result = []\nx = result\nfor _ in range(100000):\n    y = []\n    x.append(y)\n    x = y")
        }
        #expect(error.reason.contains("nested deeper than 256"))
        #expect(error.path.hasPrefix("$[0][0][0]"))
    }

    @Test func theSameObjectTwiceIsNotACycle() async throws {
        #expect(try await evaluate("x = [1]; result = [x, x, {'a': x}]") == [[1], [1], ["a": [1]]])
    }
}
