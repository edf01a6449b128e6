import Foundation
import ProviderFakes
import RuntimeAPIFake
import Testing

@Suite("bootstrap start-up, memory and secrets, as child processes")
struct BootstrapLifecycleTests {
    @Test func aBrokenPythonPathIsReportedToInitErrorAndTheProcessExitsNonZero() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        defer { Task { try? await runtimeAPI.shutdown() } }
        let child = try await BootstrapChild.launch(environment: [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "EMBEDCHAT_PYTHONPATH": "/nonexistent/python-packages",
        ])
        defer { child.stop() }
        let initError = try await runtimeAPI.waitForInitError(timeout: .seconds(60))
        #expect(initError.errorType == "Runtime.PythonInitFailed")
        // The missing folder is named before Python starts (it used to surface as litellm failing to import).
        #expect(initError.error?.errorMessage.contains("/nonexistent/python-packages") == true, "\(String(describing: initError.error))")
        let status = await child.waitForExit()
        #expect(status != nil && status != 0)
        #expect(runtimeAPI.servedInvocations == 0)
    }

    @Test func anInvalidModelTableIsAnInitError() async throws {
        let runtimeAPI = try await RuntimeAPIFake.start()
        defer { Task { try? await runtimeAPI.shutdown() } }
        let child = try await BootstrapChild.launch(environment: ["AWS_LAMBDA_RUNTIME_API": runtimeAPI.endpoint, "EMBEDCHAT_MODELS": "{oops"])
        defer { child.stop() }
        let initError = try await runtimeAPI.waitForInitError(timeout: .seconds(60))
        #expect(initError.errorType == "Runtime.InvalidConfiguration")
        #expect(initError.error?.errorMessage.contains("EMBEDCHAT_MODELS") == true)
        #expect(await child.waitForExit() == 1)
    }

    @Test func twoHundredInvocationsInOneProcessKeepMemoryFlat() async throws {
        let harness = try await BootstrapHarness.start()
        defer { Task { await harness.stop() } }
        func round(_ count: Int) async throws {
            for index in 0..<count {
                let event = index % 2 == 0 ? chatBody("echo", "message \(index)") : functionURLEvent(body: chatBody("long", stream: true))
                let result = try await harness.invoke(event)
                #expect(!result.isError)
            }
            harness.runtimeAPI.forgetResults()
        }
        try await round(30)
        let before = try #require(harness.child.residentKiB)
        try await round(200)
        let after = try #require(harness.child.residentKiB)
        print("bootstrap VmRSS: \(before) KiB after 30 warm-up invocations, \(after) KiB after 200 more (\(after - before) KiB)")
        #expect(after - before < 24 * 1024, "RSS grew by \(after - before) KiB over 200 invocations")
        #expect(harness.runtimeAPI.servedInvocations == 230)
    }

    static let motoInstalled = FileManager.default.fileExists(atPath: "\(bootstrapRepositoryRoot)/.python-test/moto")

    @Test(.enabled(if: motoInstalled, "needs moto: scripts/setup.sh --test"))
    func anAPIKeyFromSecretsManagerIsReadOnceAndUsed() async throws {
        let port = try freeLoopbackPort()
        let moto = Process()
        moto.executableURL = URL(fileURLWithPath: testPython)
        moto.arguments = testPythonPrefix + ["-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
        moto.environment = ["PYTHONPATH": "\(bootstrapRepositoryRoot)/.python-test:\(bootstrapPythonPath)", "PATH": "/usr/bin:/bin"]
        moto.standardOutput = FileHandle.nullDevice
        moto.standardError = FileHandle.nullDevice
        try moto.run()
        // moto's SIGTERM handler does not stop its server thread; SIGKILL does.
        defer { kill(moto.processIdentifier, SIGKILL); moto.waitUntilExit() }
        let endpoint = "http://127.0.0.1:\(port)"
        let aws = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                   "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "PYTHONPATH": bootstrapPythonPath]
        let secretKey = "sk-from-secrets-manager-\(UInt32.random(in: 0...UInt32.max))"
        let script = """
            import sys, time, boto3
            from botocore.config import Config
            # Short timeouts and no retries per attempt: moto may accept connections before it answers.
            quick = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
            c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1", config=quick)
            ends = time.monotonic() + 30
            while True:
                try:
                    c.list_secrets(); break
                except Exception as error:
                    if time.monotonic() > ends:
                        sys.exit(f"moto did not answer within 30 s: {error}")
                    time.sleep(0.1)
            if sys.argv[2] == "create":
                c.create_secret(Name="embedchat/provider", SecretString='{"api_key": "%s"}' % sys.argv[3])
            else:
                c.delete_secret(SecretId="embedchat/provider", ForceDeleteWithoutRecovery=True)
            """
        let created = try await runCommand(testPython, testPythonPrefix + ["-c", script, endpoint, "create", secretKey], environment: aws,
                                     timeout: .seconds(60))
        #expect(created.status == 0, "\(created.output)")

        let harness = try await BootstrapHarness.start(environment: aws.filter { $0.key != "PYTHONPATH" }) { provider in
            ["vault": ["model": "openai/echo", "api_base": provider.openAIBase, "api_key_secret": "embedchat/provider"]]
        }
        defer { Task { await harness.stop() } }
        let first = try await harness.invoke(chatBody("vault", "secret hello"))
        #expect(jsonObject(first.body)?["object"] as? String == "chat.completion", "\(first.bodyString)")
        let authorization = harness.provider.recordedRequests.last?.headers.first { $0.name.lowercased() == "authorization" }?.value
        #expect(authorization == "Bearer \(secretKey)")
        // Cached for the process: still served after the secret is gone.
        _ = try await runCommand(testPython, testPythonPrefix + ["-c", script, endpoint, "delete", ""], environment: aws,
                           timeout: .seconds(60))
        let second = try await harness.invoke(chatBody("vault", "again"))
        #expect(!second.isError)
        #expect(!harness.child.log.contains(secretKey))
    }
}
