import PythonEmbed
import Testing

/// What a reader reports, gathered inside the GIL scope it is valid in.
private struct Reading: Sendable, Equatable {
    var text: String?
    var number: Int?
    var noneIsMissing: Bool
    var absentIsMissing: Bool
    var kinds: [String]
    var tupleElements: [Int?]
    var lonelySurrogate: String?
    var wholeFloat: Int?
    var fraction: Int?
    var boolAsInt: Int?
    var boolValue: Bool?
    var huge: Int?
    var hugeAsDouble: Double?
    var nanAsDouble: Double?
    var nested: PythonValue?
}

@Suite("Reading Python values in place")
struct ReaderTests {
    static let name = PythonName("name")
    static let count = PythonName("count")
    static let none = PythonName("none")
    static let absent = PythonName("absent")
    static let pair = PythonName("pair")
    static let surrogate = PythonName("surrogate")
    static let whole = PythonName("whole")
    static let half = PythonName("half")
    static let flag = PythonName("flag")
    static let big = PythonName("big")
    static let nan = PythonName("nan")
    static let nested = PythonName("nested")
    static let other = PythonName("other")

    @Test func membersAreFoundByNameAndReadAsTheirKinds() async throws {
        let reading = try await withPython { gil in
            let object = try Interpreter.run("""
                result = {"name": "ünï ✓", "count": 3, "none": None, "pair": (1, "x"), "surrogate": "\\udc80",
                          "whole": 2.0, "half": 2.5, "flag": True, "big": 2 ** 80, "nan": float("nan"),
                          "nested": {"k": [1, None]}, "other": object()}
                """, gil)
            return try object.read(gil) { reader in
                var tupleElements: [Int?] = []
                if let pair = try reader.member(Self.pair), let elements = pair.elements {
                    tupleElements = elements.map { $0.int }
                }
                return Reading(
                    text: try reader.member(Self.name)?.string,
                    number: try reader.member(Self.count)?.int,
                    noneIsMissing: try reader.member(Self.none) == nil,
                    absentIsMissing: try reader.member(Self.absent) == nil,
                    kinds: try [Self.name, Self.count, Self.pair, Self.whole, Self.flag, Self.nested, Self.other]
                        .map { try reader.member($0)?.kind.description ?? "missing" },
                    tupleElements: tupleElements,
                    lonelySurrogate: try reader.member(Self.surrogate)?.string,
                    wholeFloat: try reader.member(Self.whole)?.int,
                    fraction: try reader.member(Self.half)?.int,
                    boolAsInt: try reader.member(Self.flag)?.int,
                    boolValue: try reader.member(Self.flag)?.bool,
                    huge: try reader.member(Self.big)?.int,
                    hugeAsDouble: try reader.member(Self.big)?.double,
                    nanAsDouble: try reader.member(Self.nan)?.double,
                    nested: try reader.member(Self.nested)?.value())
            }
        }
        #expect(reading == Reading(
            text: "ünï ✓", number: 3, noneIsMissing: true, absentIsMissing: true,
            kinds: ["a string", "an int", "a list", "a float", "a bool", "a dict", "an instance of object"],
            tupleElements: [1, nil], lonelySurrogate: nil, wholeFloat: 2, fraction: nil, boolAsInt: nil, boolValue: true,
            huge: nil, hugeAsDouble: 1_208_925_819_614_629_174_706_176, nanAsDouble: nil, nested: ["k": [1, nil]]))
    }

    @Test func aMemberOfSomethingNotADictIsMissing() async throws {
        let missing = try await withPython { gil in
            try Interpreter.run("result = [1, 2]", gil).read(gil) { reader in try reader.member(Self.name) == nil && !reader.hasMembers }
        }
        #expect(missing)
    }

    @Test func anObjectsMembersAreItsStoredAttributesNotItsComputedOnes() async throws {
        let readings = try await withPython { gil in
            // A pydantic model keeps declared fields in its instance dict and undeclared ones in `__pydantic_extra__`.
            let objects = try Interpreter.run("""
                class Model:
                    __slots__ = ("__dict__", "__pydantic_extra__")
                    def __getattr__(self, name):
                        raise RuntimeError("the reader ran Python code")
                    @property
                    def count(self):
                        raise RuntimeError("the reader ran a property")
                declared = Model()
                declared.name = "declared"
                declared.__pydantic_extra__ = {"count": 7}
                unset = Model()
                unset.name = "no extra"
                result = [declared, unset]
                """, gil)
            return try objects.read(extraMembers: PythonName("__pydantic_extra__"), gil) { list throws -> [[String]] in
                var readings: [[String]] = []
                guard let elements = list.elements else { return readings }
                for index in elements.indices {
                    let object = elements[index]
                    let name: String = try object.member(Self.name)?.string ?? "missing"
                    let count: Int = try object.member(Self.count)?.int ?? -1
                    let absent: Bool = try object.member(Self.absent) == nil
                    readings.append([name, String(count), String(absent), String(object.hasMembers)])
                }
                return readings
            }
        }
        #expect(readings == [["declared", "7", "true", "true"], ["no extra", "-1", "true", "true"]])
    }

    @Test func theExtraMembersSlotIsReadOnlyWhenTheCallerNamesIt() async throws {
        let counts = try await withPython { gil in
            let object = try Interpreter.run("""
                class Model:
                    __slots__ = ("__dict__", "__pydantic_extra__")
                result = Model()
                result.__pydantic_extra__ = {"count": 7}
                """, gil)
            return [try object.read(gil) { reader throws(PythonError) in try reader.member(Self.count)?.int },
                    try object.read(extraMembers: PythonName("__pydantic_extra__"), gil) { reader throws(PythonError) in
                        try reader.member(Self.count)?.int
                    }]
        }
        #expect(counts == [nil, 7])
    }
}
