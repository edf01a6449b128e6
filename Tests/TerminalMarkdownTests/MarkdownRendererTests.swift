import Testing
import TerminalMarkdown

/// Markdown rendered for a terminal as it streams: what each construct becomes, and that pieces split anywhere
/// render the same as the whole.
@Suite("MarkdownRenderer")
struct MarkdownRendererTests {
    static let bold = "\u{1B}[1m", italic = "\u{1B}[3m", cyan = "\u{1B}[36m", yellow = "\u{1B}[33m", reset = "\u{1B}[0m"

    /// The text without its escape sequences.
    static func plain(_ text: String) -> String {
        var output = "", inEscape = false
        for character in text {
            if character == "\u{1B}" { inEscape = true; continue }
            if inEscape { if character.isLetter { inEscape = false }; continue }
            output.append(character)
        }
        return output
    }

    static func render(_ text: String) -> String {
        var renderer = MarkdownRenderer()
        return renderer.feed(text) + renderer.finish()
    }

    static let sample = """
        # Title
        Some **bold** and *italic* text with `code`.
        - first item
        2. second
        ```swift
        let x = **not bold**
        ```
        > quoted
        """

    @Test func rendersHeadingsEmphasisListsQuotesAndSetsCodeApart() {
        let output = Self.render(Self.sample)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix(Self.bold) && Self.plain(lines[0]) == "Title", "\(lines[0].debugDescription)")
        #expect(lines[1].contains(Self.bold + "bold") && lines[1].contains(Self.italic + "italic") && lines[1].contains(Self.cyan + "code"))
        #expect(Self.plain(lines[1]) == "Some bold and italic text with code.")
        #expect(Self.plain(lines[2]) == "  • first item")
        #expect(Self.plain(lines[3]) == "  2. second")
        #expect(Self.plain(lines[4]).hasPrefix("┌─ swift "))
        #expect(Self.plain(lines[5]) == "│ let x = **not bold**", "nothing is interpreted inside a code block")
        #expect(lines[5].contains(Self.yellow) && !lines[5].contains(Self.bold))
        #expect(Self.plain(lines[6]).hasPrefix("└─"))
        #expect(Self.plain(lines[7]) == "│ quoted")
    }

    @Test(arguments: [1, 2, 3, 7, 50])
    func piecesSplitAnywhereRenderAsTheWhole(_ size: Int) {
        var renderer = MarkdownRenderer()
        var output = ""
        var rest = Substring(Self.sample)
        while !rest.isEmpty {
            output += renderer.feed(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        output += renderer.finish()
        #expect(output == Self.render(Self.sample))
    }

    @Test func aLineIsHeldUntilItsNewlineAndPlainTextPassesThrough() {
        var renderer = MarkdownRenderer()
        #expect(renderer.feed("no markup here, 2 * 3 = 6 and snake_case_name") == "")
        #expect(renderer.feed("\n") == "no markup here, 2 * 3 = 6 and snake_case_name\n")
        #expect(renderer.feed("cut **mid") == "")
        #expect(renderer.flushRaw() == "cut **mid", "an interrupted answer's last piece comes out as it was")
    }
}
