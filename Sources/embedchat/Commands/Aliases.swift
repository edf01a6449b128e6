import ArgumentParser
import CLIConfig
import Foundation

extension EmbedChat {
    /// `embedchat aliases`: short names for models in config.toml.
    struct Aliases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Short names for models, kept in config.toml.",
            discussion: """
            Examples:
              embedchat aliases set fast openai/gpt-4o-mini
              embedchat -m fast "Hello"
              embedchat aliases remove fast
            """,
            subcommands: [List.self, Set.self, Remove.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the aliases (the default).")
            func run() async throws {
                let config = try CLIFailure.loadConfiguration()
                for (alias, model) in config.aliases.sorted(by: { $0.key < $1.key }) { Terminal.out("\(alias): \(model)\n") }
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Make NAME stand for MODEL.")
            @Argument(help: "The alias.") var name: String
            @Argument(help: "The litellm model it stands for.") var model: String

            func validate() throws {
                guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else { throw ValidationError("NAME must be one word.") }
                guard !model.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("MODEL must not be empty.") }
            }

            func run() async throws {
                let path = XDGPaths().configFile
                do { try CLIConfiguration.setAlias(name, to: model, in: path) } catch { throw CLIFailure.usage("\(error)") }
                Terminal.err("\(name) now stands for \(model) (\(path))\n")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an alias.")
            @Argument(help: "The alias.") var name: String
            func run() async throws {
                let path = XDGPaths().configFile
                guard try CLIFailure.loadConfiguration().aliases[name] != nil else { throw CLIFailure.usage("there is no alias \(name)") }
                do { try CLIConfiguration.setAlias(name, to: nil, in: path) } catch { throw CLIFailure.usage("\(error)") }
                Terminal.err("alias \(name) removed\n")
            }
        }
    }
}
