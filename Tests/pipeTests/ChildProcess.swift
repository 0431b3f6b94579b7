import Foundation

/// Runs a program to its end for a test, with its output captured in files and a time limit.
///
/// Files rather than pipes: a daemon the program leaves behind (slurmd, munged) may keep its output open, and a
/// reader waiting for end-of-file on a pipe would wait as long as the daemon lives, stalling the whole suite.
enum ChildProcess {
    /// A program that outlived its time limit; it has been killed.
    struct TimedOut: Error, CustomStringConvertible {
        var command: String
        var seconds: TimeInterval
        var stdout: String
        var stderr: String

        var description: String {
            "`\(command)` did not finish within \(Int(seconds)) s and was killed; stderr ends with:\n"
                + stderr.suffix(2_000) + "\nstdout ends with:\n" + stdout.suffix(1_000)
        }
    }

    /// Runs `executable arguments...` with standard input from /dev/null and returns its status and output.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String]? = nil, limit: TimeInterval = 300) throws -> PipeBinary.Output {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-test-child-\(UUID().uuidString)")
        let outFile = base.appendingPathExtension("out"), errFile = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let out = try FileHandle(forWritingTo: outFile), err = try FileHandle(forWritingTo: errFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        try? out.close()
        try? err.close()
        let read = { (file: URL) in String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self) }
        guard ended.wait(timeout: .now() + limit) == .success else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TimedOut(command: ([executable] + arguments).joined(separator: " "), seconds: limit,
                           stdout: read(outFile), stderr: read(errFile))
        }
        process.waitUntilExit()
        return PipeBinary.Output(status: process.terminationStatus, stdout: read(outFile), stderr: read(errFile))
    }
}
