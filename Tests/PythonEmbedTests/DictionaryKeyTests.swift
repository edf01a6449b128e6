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
}
