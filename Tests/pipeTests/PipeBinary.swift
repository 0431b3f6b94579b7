import Foundation

/// Runs the built `pipe` executable and captures what it prints.
struct PipeBinary {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var path: String {
        let beside = Bundle.main.bundleURL.appendingPathComponent("pipe").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/pipe").path
    }

    /// Runs `pipe arguments...` in `directory` with extra environment variables, killed after `limit` seconds.
    static func run(_ arguments: [String], in directory: URL = packageRoot, environment: [String: String] = [:],
                    limit: TimeInterval = 300) throws -> Output {
        try ChildProcess.run(path, arguments, in: directory,
                             environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, limit: limit)
    }
}
