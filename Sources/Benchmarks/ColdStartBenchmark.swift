import ArgumentParser
import Foundation
import RuntimeAPIFake

/// Process start to first completed request (offline mode), three ways, on the same machine and Python build.
struct ColdStartBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coldstart",
        abstract: "Cold start of bootstrap on the layer tree vs python -c on the same tree vs the subprocess design we replace.",
        discussion: """
            Needs a layer tree (scripts/build-layer.sh out/layer) and a built bootstrap beside this binary.
              1. bootstrap: process start until its first invocation's response reaches a fake Runtime API
                 (interpreter start + import litellm + one offline completion through the runtime).
              2. python: `python3.11 -c "import litellm; litellm.completion(..., mock_response=...)"` on the same tree
                 (PYTHONHOME and PYTHONPATH in it), the same Python build the binaries link.
              3. subprocess: the design we replace — a parent spawns a Python worker that imports litellm from a
                 package tree without .pyc (as the old build script shipped it, run with -B so none are written)
                 and answers one JSON line over stdio.
            Each is run --runs times, alternating; medians are printed with the ratios.
            """)

    @Option(help: "The layer folder (holding python/).") var layer = "out/layer"
    @Option(help: "The package folder the subprocess design imports from; it is copied without any .pyc first.")
    var packages = ".python"
    @Option(help: "The Python the binaries link (same build).") var python = "/usr/bin/python3.11"
    @Option(help: "Runs of each.") var runs = 5

    func run() async throws {
        let tree = URL(fileURLWithPath: layer).standardizedFileURL.appendingPathComponent("python").path
        let plain = try plainCopy(of: URL(fileURLWithPath: packages).standardizedFileURL.path)
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let binFolder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let bootstrap = "\(binFolder)/bootstrap"
        guard FileManager.default.fileExists(atPath: "\(tree)/lib/python3.11") else {
            throw ValidationError("no layer tree at \(tree): run scripts/build-layer.sh \(layer)")
        }
        guard FileManager.default.isExecutableFile(atPath: bootstrap) else {
            throw ValidationError("no bootstrap beside this binary at \(bootstrap): build it in the same configuration")
        }
        let fake = try await RuntimeAPIFake.start()
        var bootstrapTimes: [Double] = [], pythonTimes: [Double] = [], subprocessTimes: [Double] = []
        for _ in 0..<runs {
            bootstrapTimes.append(try await timeBootstrap(bootstrap, tree: tree, fake: fake))
            pythonTimes.append(try timePythonInline(tree: tree))
            subprocessTimes.append(try timeSubprocessWorker(packages: plain))
        }
        try await fake.shutdown()
        let bootstrapMedian = Bench.median(bootstrapTimes) * 1e3
        let pythonMedian = Bench.median(pythonTimes) * 1e3
        let subprocessMedian = Bench.median(subprocessTimes) * 1e3
        print("Cold start to first completed request (offline mode), \(runs) runs each, median")
        print(Bench.row("bootstrap on the layer tree (init + first invocation)", bootstrapMedian, unit: "ms"))
        print(Bench.row("python -c 'import litellm; completion' on the same tree", pythonMedian, unit: "ms"))
        print(Bench.row("subprocess design: spawn worker, no .pyc, one JSON line", subprocessMedian, unit: "ms"))
        print(Bench.ratio("ratio bootstrap / python -c", bootstrapMedian / pythonMedian))
        print(Bench.ratio("ratio bootstrap / subprocess design (target ≤ 0.6)", bootstrapMedian / subprocessMedian))
    }

    private func timeBootstrap(_ bootstrap: String, tree: String, fake: RuntimeAPIFake) async throws -> Double {
        let event = #"{"model":"offline","messages":[{"role":"user","content":"hello"}]}"#
        let requestID = try await fake.enqueue(event: event)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bootstrap)
        process.environment = [
            "PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": fake.endpoint, "LD_LIBRARY_PATH": "\(tree)/lib",
            "EMBEDCHAT_PYTHONHOME": tree, "EMBEDCHAT_PYTHONPATH": tree, "AWS_LAMBDA_FUNCTION_NAME": "coldstart",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let began = ContinuousClock.now
        try process.run()
        let result = try await fake.waitForResult(requestID, timeout: .seconds(120))
        let elapsed = (ContinuousClock.now - began).seconds
        process.terminate()
        process.waitUntilExit()
        guard !result.isError, result.bodyString.contains("chatcmpl-") else {
            throw ValidationError("bootstrap answered with an error: \(result.bodyString)")
        }
        return elapsed
    }

    private func timePythonInline(tree: String) throws -> Double {
        let code = """
            import litellm
            r = litellm.completion(model="openai/offline", messages=[{"role": "user", "content": "hello"}], mock_response="offline")
            print(r.id)
            """
        let (elapsed, output) = try runToEnd(python, ["-S", "-c", "import site, sys; site.addsitedir(sys.argv[1]); exec(sys.argv[2])", tree, code],
                                             environment: ["PYTHONHOME": tree, "LD_LIBRARY_PATH": "\(tree)/lib",
                                                           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MODE": "PRODUCTION"])
        guard output.contains("chatcmpl-") else { throw ValidationError("python -c printed: \(output)") }
        return elapsed
    }

    /// The old design: a parent spawns `python3 -B worker.py`, writes one JSON line, reads one back.
    private func timeSubprocessWorker(packages: String) throws -> Double {
        let worker = """
            import json, sys
            import litellm
            for line in sys.stdin:
                request = json.loads(line)
                response = litellm.completion(mock_response="offline", **request)
                sys.stdout.write(json.dumps(response.model_dump()) + "\\n")
                sys.stdout.flush()
                break
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-B", "-c", worker]
        process.environment = ["PATH": "/usr/bin:/bin", "PYTHONPATH": packages, "PYTHONDONTWRITEBYTECODE": "1",
                               "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MODE": "PRODUCTION"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let began = ContinuousClock.now
        try process.run()
        input.fileHandleForWriting.write(Data(#"{"model":"openai/offline","messages":[{"role":"user","content":"hello"}]}"#.utf8 + [10]))
        var reply = Data()
        while !reply.contains(10) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            reply.append(data)
        }
        let elapsed = (ContinuousClock.now - began).seconds
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard String(decoding: reply, as: UTF8.self).contains("chatcmpl-") else {
            throw ValidationError("the subprocess worker answered: \(String(decoding: reply, as: UTF8.self).prefix(200))")
        }
        return elapsed
    }

    /// The seed's tree as its build script shipped it: the packages with no compiled bytecode.
    private func plainCopy(of packages: String) throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("coldstart-plain-\(getpid())").path
        try? FileManager.default.removeItem(atPath: copy)
        let (_, _) = try runToEnd("/bin/sh", ["-c", "cp -a \"$0\" \"$1\" && find \"$1\" -name __pycache__ -type d -prune -exec rm -rf {} +", packages, copy],
                                  environment: [:])
        guard FileManager.default.fileExists(atPath: "\(copy)/litellm/__init__.py") else {
            throw ValidationError("could not copy \(packages) (is litellm installed there? run scripts/setup.sh)")
        }
        return copy
    }

    private func runToEnd(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> (Double, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { first, _ in first }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let began = ContinuousClock.now
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ((ContinuousClock.now - began).seconds, String(decoding: data, as: UTF8.self))
    }
}
