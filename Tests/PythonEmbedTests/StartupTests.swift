import Foundation
import PythonEmbed
import Testing

/// Start-up runs in child processes: an interpreter starts once per process.
@Suite("Interpreter start-up")
struct StartupTests {
    let probe = "\(buildFolder)/embed-probe"

    @Test func startsWithOverriddenPackagePathAndImportsLitellm() async throws {
        let result = try runChild(probe, ["litellm"], environment: ["EMBEDCHAT_PYTHONPATH": packagePath])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let json = await result.json()
        #expect(json["ok"] == true)
        #expect(json["module:litellm"]?.stringValue?.hasPrefix(packagePath) == true)
        let path = json["sys_path"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(path.contains(packagePath))
        #expect(!path.contains { $0.contains("dist-packages") }, "Debian's dist-packages leaked into \(path)")
    }

    @Test func defaultPackagePathIsOptPython() async throws {
        let result = try runChild(probe, environment: [:])
        if FileManager.default.fileExists(atPath: "/opt/python") {
            #expect(await result.json()["sys_path"]?.arrayValue?.contains("/opt/python") == true)
        } else {
            #expect(result.status == 2)
            #expect(await result.json()["error"]?.stringValue?.contains("/opt/python does not exist") == true)
        }
    }

    @Test func missingPackageFolderIsANamedError() async throws {
        let result = try runChild(probe, environment: ["EMBEDCHAT_PYTHONPATH": "/nonexistent/site"])
        #expect(result.status == 2)
        let error = await result.json()["error"]?.stringValue ?? ""
        #expect(error.contains("/nonexistent/site"))
        #expect(error.contains("EMBEDCHAT_PYTHONPATH"))
    }

    @Test func wrongHomeNamesTheMissingStandardLibrary() async throws {
        let home = NSTemporaryDirectory() + "no-python-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let result = try runChild(probe, environment: ["EMBEDCHAT_PYTHONPATH": packagePath, "EMBEDCHAT_PYTHONHOME": home])
        #expect(result.status == 2)
        #expect(await result.json()["error"]?.stringValue?.contains("\(home)/lib/python3.11/encodings") == true)
    }

    @Test func brokenStandardLibraryFailsWithAnErrorNotAnAbort() async throws {
        // encodings exists but is empty: CPython's own init fails; the host must report it and exit cleanly.
        let home = NSTemporaryDirectory() + "broken-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(home)/lib/python3.11/encodings", withIntermediateDirectories: true)
        let result = try runChild(probe, environment: ["EMBEDCHAT_PYTHONPATH": packagePath, "EMBEDCHAT_PYTHONHOME": home])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(await result.json()["error"]?.stringValue?.contains("initialisation failed with home \(home)") == true)
    }

    @Test func missingModuleIsAPythonErrorNamingIt() async throws {
        let result = try runChild(probe, ["no_such_module_xyz"], environment: ["EMBEDCHAT_PYTHONPATH": packagePath])
        #expect(result.status == 3)
        #expect(await result.json()["error"]?.stringValue?.contains("ModuleNotFoundError: No module named 'no_such_module_xyz'") == true)
    }

    @Test func relocatedHomeStartsFromItsOwnStandardLibrary() async throws {
        // A home elsewhere (as a Lambda layer is): lib/python3.11 holds the standard library's entries.
        let home = NSTemporaryDirectory() + "relocated-\(UUID().uuidString)"
        let stdlib = "\(home)/lib/python3.11"
        try FileManager.default.createDirectory(atPath: stdlib, withIntermediateDirectories: true)
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/python3.11") where entry != "dist-packages" {
            try FileManager.default.createSymbolicLink(atPath: "\(stdlib)/\(entry)", withDestinationPath: "/usr/lib/python3.11/\(entry)")
        }
        let result = try runChild(probe, ["json"], environment: [
            "EMBEDCHAT_PYTHONPATH": packagePath, "EMBEDCHAT_PYTHONHOME": home,
        ], )
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(await result.json()["home"]?.stringValue == home)
        #expect(await result.json()["module:json"]?.stringValue == "\(stdlib)/json/__init__.py")
    }

    @Test func pthFilesInPackageFoldersAreHonoured() async throws {
        let site = NSTemporaryDirectory() + "pth-site-\(UUID().uuidString)"
        let extra = "\(site)-extra"
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try "\(extra)\n".write(toFile: "\(site)/extra.pth", atomically: true, encoding: .utf8)
        try "VALUE = 42\n".write(toFile: "\(extra)/pth_target.py", atomically: true, encoding: .utf8)
        let result = try runChild(probe, ["--code", "import pth_target; result = pth_target.VALUE"],
                                  environment: ["EMBEDCHAT_PYTHONPATH": site])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(await result.json()["result"] == 42)
    }

    @Test func isolatedConfigurationIgnoresPythonVariables() async throws {
        let result = try runChild(probe, ["--code", "import sys, os; result = [sys.flags.isolated, sys.dont_write_bytecode, os.environ.get('PYTHONPATH')]"],
                                  environment: ["EMBEDCHAT_PYTHONPATH": packagePath, "PYTHONPATH": "/tmp/evil", "PYTHONDONTWRITEBYTECODE": ""])
        #expect(await result.json()["result"] == [1, true, "/tmp/evil"])
        #expect(await result.json()["sys_path"]?.arrayValue?.contains("/tmp/evil") == false)
    }

    @Test(arguments: ["malloc", "pymalloc"])
    func pythonMallocIsHonouredByTheHost(allocator: String) async throws {
        let result = try runChild(probe, ["--code", "import _testcapi; result = _testcapi.pymem_getallocatorsname()"],
                                  environment: ["EMBEDCHAT_PYTHONPATH": packagePath, "PYTHONMALLOC": allocator])
        #expect(await result.json()["result"]?.stringValue == allocator, "\(result.stdout)")
    }
}
