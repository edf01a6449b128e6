/// Renders Markdown for a terminal as it streams in: headings, bold, italics, inline code, lists, block quotes and
/// fenced code blocks, with ANSI escape sequences.
///
/// Text is fed in pieces as they arrive; each complete line is rendered as soon as its newline comes (a line's
/// markup can only be known once it is whole), and ``finish()`` renders the last one. Inside a fenced code block
/// nothing is interpreted: code is shown as written, set apart by a gutter.
public struct MarkdownRenderer: Sendable {
    private var pending = ""
    private var fence: String?

    public init() {}

    /// Takes the next piece of the answer and returns the rendered text of the lines it completed.
    public mutating func feed(_ text: String) -> String {
        pending += text
        var output = ""
        while let newline = pending.firstIndex(of: "\n") {
            let line = String(pending[..<newline])
            pending.removeSubrange(...newline)
            output += render(line) + "\n"
        }
        return output
    }

    /// Renders what is left (a last line without a newline) and resets the style.
    public mutating func finish() -> String {
        defer { pending = ""; fence = nil }
        return pending.isEmpty ? "" : render(pending)
    }

    /// Returns what is left unrendered, as it came (for an answer cut short).
    public mutating func flushRaw() -> String {
        defer { pending = "" }
        return pending
    }

    // ANSI SGR sequences.
    static let bold = "\u{1B}[1m", italic = "\u{1B}[3m", underline = "\u{1B}[4m", dim = "\u{1B}[2m"
    static let cyan = "\u{1B}[36m", yellow = "\u{1B}[33m", reset = "\u{1B}[0m"
    static let notBold = "\u{1B}[22m", notItalic = "\u{1B}[23m", defaultColour = "\u{1B}[39m"

    /// Renders one whole line (without its newline), keeping the state a fenced code block carries to the next.
    public mutating func renderLine(_ line: String) -> String { render(line) }

    private mutating func render(_ line: String) -> String {
        let trimmed = line.drop { $0 == " " }
        if let fence {
            if trimmed.hasPrefix(fence) && trimmed.drop(while: { $0 == fence.first }).allSatisfy({ $0 == " " }) {
                self.fence = nil
                return Self.dim + "└" + String(repeating: "─", count: 40) + Self.reset
            }
            return Self.dim + "│ " + Self.reset + Self.yellow + line + Self.reset
        }
        if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
            let marker = String(trimmed.prefix { $0 == trimmed.first })
            fence = marker
            let language = trimmed.dropFirst(marker.count).trimmingSpaces
            return Self.dim + "┌─" + (language.isEmpty ? "" : " \(language) ") + String(repeating: "─", count: 30) + Self.reset
        }
        if let heading = Self.heading(trimmed) {
            let style = heading.level == 1 ? Self.bold + Self.underline : Self.bold
            return style + Self.inline(heading.text, base: style) + Self.reset
        }
        if trimmed.hasPrefix("> ") || trimmed == ">" {
            return Self.dim + "│ " + Self.reset + Self.italic + Self.inline(String(trimmed.dropFirst(2)), base: Self.italic) + Self.reset
        }
        let indent = String(line.prefix { $0 == " " })
        if let first = trimmed.first, "-*+".contains(first), trimmed.dropFirst().first == " " {
            return indent + "  • " + Self.inline(String(trimmed.dropFirst(2)), base: "")
        }
        if let digits = Optional(trimmed.prefix { $0.isNumber }), !digits.isEmpty,
           trimmed.dropFirst(digits.count).hasPrefix(". ") || trimmed.dropFirst(digits.count).hasPrefix(") ") {
            return indent + "  " + Self.bold + digits + "." + Self.notBold + " " + Self.inline(String(trimmed.dropFirst(digits.count + 2)), base: "")
        }
        if trimmed.count >= 3, trimmed.allSatisfy({ $0 == "-" || $0 == "*" || $0 == "_" || $0 == " " }),
           Set(trimmed.filter { $0 != " " }).count == 1 {
            return Self.dim + String(repeating: "─", count: 40) + Self.reset
        }
        return Self.inline(line, base: "")
    }

    private static func heading(_ line: Substring) -> (level: Int, text: String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        var text = line.dropFirst(hashes).trimmingSpaces
        while text.hasSuffix("#") { text = String(text.dropLast()) }
        return (hashes, text.trimmingSpaces)
    }

    /// Bold (`**x**`, `__x__`), italics (`*x*`, `_x_`) and code (`` `x` ``) within a line. `base` is the style the
    /// line is in, restored after each span.
    static func inline(_ text: String, base: String) -> String {
        var output = ""
        var characters = Array(text)
        var index = 0
        var bold = false, italic = false
        func restore() -> String { reset + base + (bold ? Self.bold : "") + (italic ? Self.italic : "") }
        while index < characters.count {
            let character = characters[index]
            if character == "`" {
                if let close = characters[(index + 1)...].firstIndex(of: "`") {
                    output += cyan + String(characters[(index + 1)..<close]) + restore()
                    index = close + 1
                    continue
                }
            } else if (character == "*" || character == "_") && index + 1 < characters.count && characters[index + 1] == character {
                let marker = [character, character]
                if bold || Self.closes(characters, after: index + 2, marker: marker) {
                    bold.toggle()
                    output += bold ? Self.bold : Self.notBold + restore()
                    index += 2
                    continue
                }
            } else if character == "*" || (character == "_" && (index == 0 || !characters[index - 1].isLetter)) {
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                if italic || (next != " " && Self.closes(characters, after: index + 1, marker: [character])) {
                    italic.toggle()
                    output += italic ? Self.italic : Self.notItalic + restore()
                    index += 1
                    continue
                }
            }
            output.append(character)
            index += 1
        }
        if bold || italic { output += reset + base }
        characters.removeAll()
        return output
    }

    private static func closes(_ characters: [Character], after start: Int, marker: [Character]) -> Bool {
        guard start < characters.count else { return false }
        var index = start
        while index + marker.count <= characters.count {
            if Array(characters[index..<(index + marker.count)]) == marker, index > start, characters[index - 1] != " " { return true }
            index += 1
        }
        return false
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
