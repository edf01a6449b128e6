import Foundation
import JSONText
import Testing

@Suite("JSON string literals are written as RFC 8259 and Python's json.dumps write them")
struct JSONStringTests {
    @Test func quotesAndBackslashesAreEscaped() {
        #expect(JSONString.quoted(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
    }

    @Test func lineBreaksAndTabsTakeTheirShortEscapes() {
        #expect(JSONString.quoted("a\nb\rc\td") == #""a\nb\rc\td""#)
    }

    @Test func otherControlCharactersBecomeFourDigitUnicodeEscapes() {
        #expect(JSONString.quoted("\u{0}\u{1}\u{8}\u{c}\u{1b}\u{1f}") == #""\u0000\u0001\u0008\u000c\u001b\u001f""#)
    }

    @Test func textBeyondASCIIIsWrittenAsItIsByDefault() {
        #expect(JSONString.quoted("ünï ✓ 😀 \u{7f} \u{2028}") == "\"ünï ✓ 😀 \u{7f} \u{2028}\"")
    }

    @Test func escapedNonASCIIUsesUTF16CodeUnitsWithSurrogatePairsAboveTheBMP() {
        #expect(JSONString.escaped("é✓😀\u{7f}~", nonASCII: .escaped) == #"\u00e9\u2713\ud83d\ude00\u007f~"#)
    }

    @Test func textNeedingNoEscapeComesBackUnchanged() {
        let text = "plain text, 123 / ~"
        #expect(JSONString.escaped(text) == text)
        #expect(JSONString.escaped(text, nonASCII: .escaped) == text)
        #expect(JSONString.quoted("") == #""""#)
    }

    /// A `String` holds no invalid UTF-8 and no lone surrogate: decoding such bytes repairs them to U+FFFD, which is
    /// then written like any other character.
    @Test func invalidUTF8ArrivesAsReplacementCharactersAndIsWrittenAsSuch() {
        let text = String(decoding: [0x61, 0xFF, 0xED, 0xA0, 0x80, 0x62] as [UInt8], as: UTF8.self)
        #expect(JSONString.escaped(text, nonASCII: .escaped) == #"a\ufffd\ufffd\ufffd\ufffdb"#)
        #expect(JSONString.escaped(text).unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 4)
    }

    @Test(arguments: [JSONString.NonASCII.literal, .escaped])
    func aJSONParserReadsBackTheOriginalText(_ nonASCII: JSONString.NonASCII) throws {
        let every = String(String.UnicodeScalarView((0..<0x80).compactMap(Unicode.Scalar.init)))
        let samples = [every, "ünïcødé ✓ 😀 \u{2028}\u{2029} \u{10FFFF}", #"\"\\u0041"#, ""]
        for sample in samples {
            let json = "[" + JSONString.quoted(sample, nonASCII: nonASCII) + "]"
            #expect(try JSONDecoder().decode([String].self, from: Data(json.utf8)) == [sample], "\(json)")
            if nonASCII == .escaped { #expect(json.utf8.allSatisfy { $0 < 0x80 }, "\(json)") }
        }
    }
}

@Suite("Text with chosen scalars escaped")
struct ScalarEscapingTests {
    @Test func onlyTheScalarsGivenAReplacementChange() {
        let escaped = ScalarEscaping.escaping("a-b\nc") { $0 == "-" ? "<dash>" : ScalarEscaping.lineBreakOrTab($0) }
        #expect(escaped == #"a<dash>b\nc"#)
    }

    @Test func lineBreakOrTabKnowsOnlyThoseThree() {
        let scalars: [Unicode.Scalar] = ["\n", "\r", "\t", "\u{0}", "n", "\u{2028}"]
        #expect(scalars.map(ScalarEscaping.lineBreakOrTab) == ["\\n", "\\r", "\\t", nil, nil, nil])
    }
}

@Suite("Base64 without Foundation")
struct Base64Tests {
    /// RFC 4648 §10's test vectors.
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func theRFCVectorsEncode(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
    }

    @Test func everyByteValueEncodesAsFoundationDoes() {
        let bytes = (0...255).map(UInt8.init) + [0xFF, 0xFE]
        #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
    }
}
