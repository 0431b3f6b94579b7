import Foundation
import XCTest

/// A temporary project folder for end-to-end tests: a pipeline file, data files, and pipe's state.
final class Scratch {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    @discardableResult
    func write(_ path: String, _ text: String) throws -> URL {
        let url = url(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    func read(_ path: String) -> String? { try? String(contentsOf: url(path), encoding: .utf8) }

    /// Runs pipe in this folder.
    func pipe(_ arguments: String...) throws -> PipeBinary.Output {
        try PipeBinary.run(arguments, in: root)
    }

    /// Starts pipe in this folder without waiting for it.
    func start(_ arguments: [String], output: URL, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.executableURL = URL(fileURLWithPath: PipeBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = root
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits until `path` exists (a stage's marker), up to `timeout` seconds.
    func waitFor(_ path: String, timeout: Double = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: url(path).path) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// The committed store entries.
    func storedKeys() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: url(".pipe/objects").path)) ?? [])
    }
}

extension PipeBinary.Output {
    /// `stage -> status` from `pipe run` lines such as `split: cached` or `train: ran in 1.2 s`.
    var statuses: [String: String] {
        var result: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            for status in ["ran", "cached", "FAILED", "skipped", "would run"] where rest.hasPrefix(status) {
                result[name] = status
            }
        }
        return result
    }
}

extension Scratch {
    /// Runs `pipe run FILE arguments...` and returns the id it was recorded as and the evaluate stage's metrics.json.
    func recordedRun(_ file: String, _ arguments: [String] = []) throws -> (id: String, metrics: [String: Any]) {
        let run = try PipeBinary.run(["run", file] + arguments, in: root)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let id = try XCTUnwrap(run.stdout.components(separatedBy: "pipe: recorded as run ").last?.prefix(8)).description
        let folder = try XCTUnwrap(try pipe("outputs", file, "evaluate").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("metrics.json")))
        return (id, try XCTUnwrap(metrics as? [String: Any]))
    }
}
