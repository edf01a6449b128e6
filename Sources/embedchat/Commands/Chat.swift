import ArgumentParser
import Foundation
import LiteLLM
import Synchronization

extension EmbedChat {
    /// A multi-turn REPL that keeps the conversation.
    struct Chat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Chat with a model in a multi-turn REPL that keeps the conversation.",
            discussion: """
            Type a message and press Return; the answer streams to stdout, prompts and notices go to stderr. \
            Commands: \(ChatCommand.summary). Ctrl-C cancels the answer being streamed (the exchange is dropped \
            from the conversation) and returns to the prompt; Ctrl-D (end of input) exits.

            \(CLIExit.helpText)

            Examples:
              embedchat chat
              embedchat chat --offline
              embedchat chat -m anthropic/claude-3-5-haiku-latest -s "You are a patient tutor."
            """
        )

        @OptionGroup var modelOptions: ModelOptions

        @Flag(name: .long, help: "Print the token counts of each answer on stderr.")
        var usage = false

        mutating func run() async throws {
            let settings = modelOptions.resolved()
            let client = try await settings.startClient()
            try await ChatSession(settings: settings, client: client, showUsage: usage).run()
        }
    }
}

/// The REPL's commands.
enum ChatCommand {
    static let summary = "/model NAME, /system TEXT, /attach PATH|URL, /reset, /save FILE, /help, /exit"
    static let help = """
        /model NAME     use another model from the next message on (/model alone shows the current one)
        /system TEXT    set the system prompt (/system alone removes it)
        /attach PATH    send a file (image, PDF, text) or https image URL with the next message
        /reset          forget the conversation (the model and system prompt stay)
        /save FILE      write the conversation: FILE.md as Markdown, any other name as JSON messages
        /help           this list
        /exit, /quit    leave (as does Ctrl-D)
        Ctrl-C cancels the answer being streamed and returns to the prompt.
        """
}

/// One REPL: the conversation, the model and system prompt in use, and the answer being streamed.
final class ChatSession: Sendable {
    private let settings: ModelSettings
    private let client: LiteLLMClient
    private let showUsage: Bool
    private let interactive = Terminal.stdinIsTTY
    private let current = Mutex<Task<String, any Error>?>(nil)

    private struct State {
        var model: String
        var system: String?
        var history: [ChatMessage] = []
        var attachments: [PromptAttachment] = []
    }

    init(settings: ModelSettings, client: LiteLLMClient, showUsage: Bool) {
        self.settings = settings
        self.client = client
        self.showUsage = showUsage
    }

    private func showPrompt() {
        if interactive { Terminal.err("> ") }
    }

    func run() async throws {
        var state = State(model: settings.model, system: settings.system)
        let interrupts = InterruptHandler { [self] _ in
            if let task = current.withLock({ $0 }) {
                task.cancel()
            } else if interactive {
                Terminal.err("\n(Ctrl-D or /exit to quit)\n> ")
            }
        }
        defer { interrupts.cancel() }
        if interactive {
            Terminal.err("embedchat chat with \(state.model). /help for commands, Ctrl-C cancels an answer, Ctrl-D exits.\n")
        }
        showPrompt()
        for await line in LineReader.lines() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                showPrompt()
                continue
            }
            if text.hasPrefix("/") {
                if !command(text, &state) { return }
                showPrompt()
                continue
            }
            state.history.append(.user(line, attachments: state.attachments))
            let attached = state.attachments
            state.attachments = []
            let request = settings.request(state.history, model: state.model, system: .some(state.system))
            let task = Task { [self] in try await self.stream(request) }
            current.withLock { $0 = task }
            let result = await task.result
            current.withLock { $0 = nil }
            switch result {
            case .success(let answer):
                state.history.append(.assistant(answer))
            case .failure(let error):
                state.history.removeLast()
                state.attachments = attached
                if task.isCancelled || error is CancellationError {
                    Terminal.err("[answer cancelled; this exchange is not kept]\n")
                } else if let failure = settings.failure(error, model: state.model) as? CLIFailure {
                    Terminal.error(failure.line)
                } else {
                    Terminal.error("\(error)")
                }
            }
            showPrompt()
        }
        if interactive { Terminal.err("\n") }
    }

    /// Streams one answer to stdout and returns its text.
    private func stream(_ request: ChatCompletionRequest) async throws -> String {
        var request = request
        request.stream = true
        if showUsage { request.streamOptions = .init(includeUsage: true) }
        var answer = ""
        var usage: Usage?
        do {
            let stream = try await client.stream(request, settings: settings.provider, timeout: settings.timeout)
            for try await chunk in stream {
                try Task.checkCancellation()
                if let chunkUsage = chunk.usage { usage = chunkUsage }
                if let text = chunk.text, !text.isEmpty {
                    Terminal.out(text)
                    answer += text
                }
            }
            try Task.checkCancellation()
        } catch {
            if !answer.isEmpty && !answer.hasSuffix("\n") { Terminal.out("\n") }
            throw error
        }
        if !answer.hasSuffix("\n") { Terminal.out("\n") }
        if showUsage { Terminal.err(UsageReport.line(usage, cost: nil, streamed: true) + "\n") }
        return answer
    }

    /// Runs a `/command`; returns false when the REPL should end.
    private func command(_ text: String, _ state: inout State) -> Bool {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let name = String(parts[0]).lowercased()
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "/model":
            if argument.isEmpty {
                Terminal.err("model: \(state.model)\n")
            } else {
                state.model = argument
                Terminal.err("model set to \(argument)\n")
            }
        case "/system":
            state.system = argument.isEmpty ? nil : argument
            Terminal.err(argument.isEmpty ? "system prompt removed\n" : "system prompt set\n")
        case "/attach":
            AttachmentArguments.attach(argument, to: &state.attachments)
        case "/reset":
            state.history.removeAll()
            Terminal.err("conversation reset\n")
        case "/save":
            guard !argument.isEmpty else {
                Terminal.err("usage: /save FILE\n")
                break
            }
            save(state, to: argument)
        case "/help", "/?":
            Terminal.err(ChatCommand.help + "\n")
        case "/exit", "/quit":
            return false
        default:
            Terminal.err("unknown command \(name); /help lists the commands\n")
        }
        return true
    }

    private func save(_ state: State, to file: String) {
        let path = NSString(string: file).expandingTildeInPath
        var messages = state.history
        if let system = state.system { messages.insert(.system(system), at: 0) }
        let content: String
        if path.lowercased().hasSuffix(".md") {
            content = "# embedchat chat with \(state.model)\n\n" + messages.map { message in
                "**\(message.role.rawValue)**: \(message.text ?? "")\n"
            }.joined(separator: "\n")
        } else {
            struct Transcript: Encodable { var model: String; var messages: [ChatMessage] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            content = (try? encoder.encode(Transcript(model: state.model, messages: messages)))
                .map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
        }
        do {
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            Terminal.err("saved \(messages.count) messages to \(path)\n")
        } catch {
            Terminal.error("cannot save to \(path): \(error.localizedDescription)")
        }
    }
}
