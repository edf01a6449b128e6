import ArgumentParser
import CLIConfig
import Foundation
import LiteLLM

extension EmbedChat {
    /// `embedchat models`: litellm's known models with context windows and prices; the default model.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List litellm's known models with context window and price; set the default model.",
            discussion: """
            Prices are litellm's bundled table, in USD per million input and output tokens. Aliases from \\
            config.toml are listed first.

            Examples:
              embedchat models -q claude
              embedchat models default anthropic/claude-3-5-haiku-latest
            """,
            subcommands: [List.self, Default.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List known models (the default).")

            @Option(name: [.short, .customLong("query")], help: ArgumentHelp("Only models whose name holds this text.", valueName: "text"))
            var query: String?

            @Flag(name: .long, help: "Print a JSON array.")
            var json = false

            @OptionGroup var python: PythonOptions

            mutating func run() async throws {
                let config = try CLIFailure.loadConfiguration()
                let client = try await ClientStartup.start(python.interpreter())
                let models = try await ModelCatalog(client: client).models(matching: query)
                if json {
                    Terminal.out(ModelTable.json(models) + "\n")
                    return
                }
                let lines = ModelTable.lines(models, aliases: config.aliases, matching: query)
                if lines.isEmpty { Terminal.err("no known model matches \(query ?? "")\n"); return }
                Terminal.out(lines.joined(separator: "\n") + "\n")
            }
        }

        struct Default: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set the default model in config.toml (or show it).")

            @Argument(help: ArgumentHelp("A litellm model or an alias.", valueName: "name"))
            var name: String?

            mutating func run() async throws {
                let path = XDGPaths().configFile
                guard let name else {
                    let config = try CLIFailure.loadConfiguration()
                    Terminal.out((config.defaultModel ?? ModelOptions.builtInDefaultModel) + "\n")
                    return
                }
                guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CLIFailure.usage("the model name is empty") }
                do { try CLIConfiguration.setDefaultModel(name, in: path) } catch { throw CLIFailure.usage("\(error)") }
                Terminal.err("default model set to \(name) in \(path)\n")
            }
        }
    }
}
