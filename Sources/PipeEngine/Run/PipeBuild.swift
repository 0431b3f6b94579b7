import Foundation
import PipeBase

/// Which pipe is running: its version and the git commit its binary was built from, for the records of results.
public enum PipeBuild {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var recorded = "unknown"

    public static var version: String { PipeVersion.current }

    /// The commit the `pipe` executable recorded at launch (`unknown` in a process that recorded none).
    public static var commit: String {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// Sets the commit; the executable calls this once, first thing.
    public static func record(commit: String) {
        lock.lock()
        recorded = commit.isEmpty ? "unknown" : commit
        lock.unlock()
    }
}
