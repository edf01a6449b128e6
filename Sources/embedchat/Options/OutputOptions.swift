import ArgumentParser

/// What to print: the one-shot output options, also taken by `chat` (for --usage).
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Wait for the whole answer instead of streaming it.")
    var noStream = false

    @Flag(name: .long, help: "Print the OpenAI-format response as JSON (one chat.completion.chunk per line when streaming).")
    var json = false

    @Flag(name: .long, help: "Print the token counts and cost on stderr.")
    var usage = false

    @Flag(name: .long, help: "Print the answer as it comes, without rendering Markdown on a terminal.")
    var raw = false

    /// The plain-value form the answering code takes.
    var format: OutputFormat { OutputFormat(noStream: noStream, json: json, usage: usage, raw: raw) }
}
