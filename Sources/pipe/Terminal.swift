import ArgumentParser
import Foundation

/// Writes to the terminal's streams and turns setup errors into a one-line message and exit status 1.
enum Terminal {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Runs `body`; on error prints `pipe: error: ...` and exits with status 1.
    static func orFail<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            Self.error("pipe: error: \(error)")
            throw ExitCode.failure
        }
    }
}
