import CLIConfig
import ConversationLog
import Foundation
import LiteLLM
import Synchronization

/// One REPL: the conversation, the model and system prompt in use, and the answer being streamed.
final class ChatSession: Sendable {
    private let settings: ModelSettings
    private let client: LiteLLMClient
    private let output: OutputFormat
    private let recorder: Recorder
    private let earlier: Conversation?
    private let conversationID: String
    private let interactive = Terminal.stdinIsTTY
    private let current = Mutex<Task<Answer, any Error>?>(nil)

    private struct State {
        var model: String
        var system: String?
        var history: [ChatMessage] = []
        var attachments: [PromptAttachment] = []
    }

    init(settings: ModelSettings, client: LiteLLMClient, output: OutputFormat, recorder: Recorder, earlier: Conversation?) {
        self.settings = settings
        self.client = client
        self.output = output
        self.recorder = recorder
        self.earlier = earlier
        self.conversationID = earlier?.id ?? LogEntry.newConversationID()
    }

    /// What a `/command` asks the loop to do.
    private enum Step {
        case next
        case exit
        case send(String)
    }

    func run() async throws {
        var state = State(model: settings.model, system: settings.system, history: earlier?.messages ?? [])
        let source = lineSource()
        let interrupts = InterruptHandler { [self] _ in
            if let task = current.withLock({ $0 }) {
                task.cancel()
            } else if interactive {
                source.abandonLine()  // as in a shell: the line being typed is dropped, a new prompt shown
            }
        }
        defer { interrupts.cancel() }
        if interactive {
            Terminal.err("embedchat chat with \(state.model). /help for commands, Ctrl-C cancels an answer, Ctrl-D exits.\n")
        }
        if let earlier {
            Terminal.err("continuing conversation \(earlier.id) (\(earlier.turns.count) earlier exchanges)\n")
        }
        let prompt = interactive ? "> " : "", continuation = interactive ? "... " : ""
        while let input = await ChatInput.next(source, prompt: prompt, continuation: continuation) {
            var line = input
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text.hasPrefix("/") && !text.contains("\n") {
                switch await command(text, &state) {
                case .next: continue
                case .exit: return
                case .send(let message): line = message
                }
            }
            state.history.append(.user(line, attachments: state.attachments))
            let attached = state.attachments
            state.attachments = []
            let request = settings.request(state.history, model: state.model, system: .some(state.system))
            let started = Date(), clock = ContinuousClock.now
            let task = Task { [self] in try await Responder(client: client, settings: settings, output: output).answer(request) }
            current.withLock { $0 = task }
            let result = await task.result
            current.withLock { $0 = nil }
            switch result {
            case .success(let answer):
                state.history.append(.assistant(answer.text))
                let exchange = Exchange(model: state.model, prompt: line, system: state.system, answer: answer, startedAt: started,
                                        latencyMilliseconds: (ContinuousClock.now - clock).milliseconds)
                await recorder.record(exchange, conversationID: conversationID)
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
        }
        if interactive { Terminal.err("\n") }
    }

    /// libedit on a terminal, with model names for completion loaded in the background; plain lines otherwise.
    private func lineSource() -> any LineSource {
        guard interactive else { return PipedLines() }
        let models = ModelNames(settings.aliases.keys.sorted())
        let client = client
        Task {
            let known = (try? await ModelCatalog(client: client).models()) ?? []
            let chat = known.filter { $0.mode == "chat" }.map(\.name)
            models.add(chat)
        }
        return EditedLines(historyFile: XDGPaths().history, completer: ChatInput.completer(models: models))
    }

    /// Runs a `/command`: go on, end the REPL, or send a message it produced (`/edit`).
    private func command(_ text: String, _ state: inout State) async -> Step {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let name = String(parts[0]).lowercased()
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "/model":
            if argument.isEmpty {
                Terminal.err("model: \(state.model)\n")
            } else {
                state.model = settings.aliases[argument] ?? argument
                Terminal.err("model set to \(state.model)\n")
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
            Transcript.save(model: state.model, system: state.system, history: state.history, to: argument)
        case "/edit":
            guard let message = await ExternalEditor.compose(argument) else {
                Terminal.err("nothing to send\n")
                break
            }
            Terminal.err(message + "\n")
            return .send(message)
        case "/help", "/?":
            Terminal.err(ChatCommand.help + "\n")
        case "/exit", "/quit":
            return .exit
        default:
            Terminal.err("unknown command \(name); /help lists the commands\n")
        }
        return .next
    }
}
