import ChatLambda
import Foundation
import LambdaRuntime
import LiteLLM
import Logging

/// The Lambda custom runtime: `bootstrap` serves the Runtime API named by `AWS_LAMBDA_RUNTIME_API`;
/// `bootstrap --local [--port N]` serves the same chat function on http://127.0.0.1:N (default 7000).
///
/// Init (before the first `/next`): logging, the configuration, then the interpreter and `import litellm`, then the
/// models' `api_key_secret`s, once whatever the concurrency. Any failure is posted to `/runtime/init/error` and the
/// process exits 1. Then `AWS_LAMBDA_MAX_CONCURRENCY` pollers (one when unset) serve invocations until SIGTERM drains
/// them (``Serving``). With several pollers and several vCPUs, this process only supervises one worker process per
/// vCPU (the same binary started afresh, ``Workers``), each doing all of the above for its share of the pollers.
@main
struct Bootstrap {
    static let usage = """
        usage: bootstrap                     serve the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API
               bootstrap --local [--port N] [--host ADDRESS]
                                             serve POST /v1/chat/completions and GET /v1/models on ADDRESS:N
                                             (default 127.0.0.1:7000)
        Configuration: EMBEDCHAT_MODELS, EMBEDCHAT_INVOKE_MODE, EMBEDCHAT_AUTH_TOKEN, EMBEDCHAT_MAX_REQUEST_BYTES,
        EMBEDCHAT_MAX_TOKENS, EMBEDCHAT_PYTHONPATH, EMBEDCHAT_PYTHONHOME, EMBEDCHAT_SHUTDOWN_GRACE_SECONDS;
        AWS_LAMBDA_MAX_CONCURRENCY (set by Lambda Managed Instances: that many invocations at once), EMBEDCHAT_WORKERS
        (worker processes sharing them; default one per vCPU, 1 for a single process);
        --local also EMBEDCHAT_LOCAL_MAX_CONNECTIONS, EMBEDCHAT_LOCAL_MAX_REQUESTS, EMBEDCHAT_LOCAL_MAX_HEADER_BYTES,
        EMBEDCHAT_LOCAL_READ_TIMEOUT_SECONDS, EMBEDCHAT_LOCAL_ALLOWED_HOSTS, EMBEDCHAT_LOCAL_ALLOWED_ORIGINS.
        """

    static func main() async {
        let options: Options
        do {
            options = try Options(CommandLine.arguments.dropFirst())
        } catch {
            FileHandle.standardError.write(Data("bootstrap: \(error)\n\(usage)\n".utf8))
            exit(2)
        }
        if options.help {
            print(usage)
            return
        }
        LambdaLogging.bootstrap()
        var logger = Logger(label: "bootstrap")
        let link = options.local ? nil : WorkerLink.fromEnvironment()
        if let link { logger[metadataKey: "worker"] = "\(link.index)" }
        let service: ChatService
        let serving: Serving
        do {
            serving = try Serving.fromEnvironment(local: options.local, worker: link != nil)
            if serving.plan.usesWorkers { await Workers.supervise(serving, logger: logger) }
            service = try start(logger: logger)
            try await readSecrets(service, logger: logger)
        } catch {
            logger.critical("init failed", metadata: ["errorType": "\(error.errorType)", "error": "\(error.errorMessage)"])
            if let link {
                link.reportInitError(error)  // the parent reports the environment's first one
            } else if !options.local {
                do { try await LambdaRuntime.reportInitError(error, logger: logger) } catch {
                    logger.critical("could not report the init error", metadata: ["error": "\(error)"])
                }
            }
            exit(1)
        }
        do {
            if options.local {
                let server = try await LocalServer.bind(service: service, host: options.host, port: options.port,
                                                        limits: try LocalServerLimits.fromEnvironment(), logger: logger)
                logger.info("serving OpenAI chat completions", metadata: ["url": "http://\(options.host):\(server.port)/v1"])
                // Tests and scripts read the port from this line (with --port 0).
                FileHandle.standardOutput.write(Data("bootstrap: listening on http://\(options.host):\(server.port)/v1\n".utf8))
                try await server.run()
            } else {
                if let link { await Workers.readyToServe(link, logger: logger) }
                try await serving.serve(ChatLambdaHandler(service: service), logger: logger)
                logger.info("drained: every invocation in flight was answered; exiting")
                exit(0)
            }
        } catch {
            logger.critical("runtime stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }

    /// Reads the configuration, then starts Python and imports litellm (seconds: this is what init is for).
    static func start(logger: Logger) throws(InitError) -> ChatService {
        let configuration: ChatConfiguration
        do {
            configuration = try ChatConfiguration.fromEnvironment(logger: logger)
        } catch {
            throw InitError(errorType: "Runtime.InvalidConfiguration", errorMessage: error.message)
        }
        do {
            let client = try LiteLLMClient.startBlocking(.fromEnvironment())
            logger.info("litellm ready", metadata: [
                "litellm": "\(client.startup.litellmVersion)", "python": "\(client.startup.interpreter.pythonVersion)",
                "initSeconds": "\(client.startup.totalSeconds)", "models": "\(configuration.models.keys.sorted())",
                "invokeMode": "\(configuration.invokeMode.rawValue)",
            ])
            return ChatService(client: client, configuration: configuration)
        } catch {
            throw InitError(errorType: "Runtime.PythonInitFailed", errorMessage: error.message)
        }
    }
}

/// Reads the models' `api_key_secret`s during init: a bad id is an init error, not a failure of every request.
func readSecrets(_ service: ChatService, logger: Logger) async throws(InitError) {
    do {
        try await service.readSecrets(logger: logger)
    } catch {
        throw InitError(errorType: "Runtime.SecretUnavailable", errorMessage: error.message)
    }
}

/// A start-up failure, as `/runtime/init/error` records it.
struct InitError: LambdaFunctionError {
    let errorType: String
    let errorMessage: String
}

/// The command line, parsed by hand (the target has no ArgumentParser dependency).
struct Options {
    var local = false
    var port = 7000
    var host = "127.0.0.1"
    var help = false

    struct Invalid: Error, CustomStringConvertible { let description: String }

    init(_ arguments: some Sequence<String>) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--local": local = true
            case "--port":
                guard let value = iterator.next(), let port = Int(value), (0...65535).contains(port) else {
                    throw Invalid(description: "--port needs a port number")
                }
                self.port = port
            case "--host":
                guard let value = iterator.next(), !value.isEmpty else { throw Invalid(description: "--host needs an address") }
                host = value
            case "-h", "--help": help = true
            default:
                if argument.hasPrefix("--port="), let port = Int(argument.dropFirst(7)), (0...65535).contains(port) {
                    self.port = port
                } else {
                    throw Invalid(description: "unknown argument '\(argument)'")
                }
            }
        }
    }
}
