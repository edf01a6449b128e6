import PythonEmbed
import Testing

@Suite("Dictionary keys reach Python whole or not at all")
struct DictionaryKeyTests {
    /// `PyDict_SetItemString` would cut `"api_base\0x"` to `api_base`: a key that means something else to litellm.
    @Test func aKeyWithANulByteIsRefusedNotCut() async throws {
        let outcome: String = try await withPython { gil in
            do {
                _ = try PythonValue.object(["api_base\u{0}ignored": .string("x")]).toPython(gil)
                return "converted"
            } catch let error as PythonError {
                return "\(error.typeName): \(error.message)"
            }
        }
        #expect(outcome.hasPrefix("ValueError") && outcome.contains("NUL"), "\(outcome)")
    }

    @Test func otherKeysArriveWholeIncludingNonASCII() async throws {
        let value: PythonValue = ["caf\u{e9} key": 1, "\u{1F600}": 2, "a b\tc": 3, "": 4]
        let back = try await withPython { gil in try value.toPython(gil).toValue(gil) }
        #expect(back == value)
    }

    /// A key reaches Python interned, the same object as the interpreter's own string of that text: a function taking
    /// it as a keyword then matches its parameter by identity (an uninterned one is compared with each parameter name).
    @Test func keysArriveAsTheInterpretersInternedStrings() async throws {
        let outcome = try await withPython { gil in
            // The probe's text is made at run time and then interned, so it is the interpreter's own string of that
            // text, as a literal in Python code would be; the check keeps it alive.
            let check = try Interpreter.run("""
                import sys
                probe = sys.intern("".join(["embedchat_", "key_probe"]))
                result = lambda made: [key is probe for key in made if key == probe]
                """, gil)
            let made = try PythonValue.object(["embedchat_key_probe": 1, "other key": 2]).toPython(gil)
            return try check.call(made, gil).toValue(gil)
        }
        #expect(outcome == .array([.bool(true)]))
    }
}
