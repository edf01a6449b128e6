import ArgumentParser

/// `embedchat-bench`: the project's measurements, each printed beside its reference and the ratio.
@main
struct EmbedChatBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedchat-bench",
        abstract: "Measure the bridge, litellm through it, and the Lambda runtime, each against its reference.",
        discussion: """
            Run from the repository after scripts/setup.sh, with a release build for meaningful figures:
              swift run -c release embedchat-bench python
              swift run -c release embedchat-bench litellm
            EMBEDCHAT_PYTHONPATH defaults to ./.python here.
            """,
        subcommands: [PythonCallBenchmark.self, LiteLLMBenchmark.self, LambdaOverheadBenchmark.self, ColdStartBenchmark.self,
                      StormBenchmark.self, GatewayBenchmark.self, LogSearchBenchmark.self, GlueModulesCommand.self])
}
