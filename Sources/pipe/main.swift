import ArgumentParser
import Foundation
import PipeEngine

// `buildCommit` is written by the BuildCommit plugin (Plugins/) before each build.
PipeBuild.record(commit: buildCommit)
// Usage errors exit with 2 (as the docs promise); ArgumentParser's own code for them is 64.
do {
    var command = try Pipe.parseAsRoot()
    try command.run()
} catch {
    if Pipe.exitCode(for: error) == .validationFailure {
        FileHandle.standardError.write(Data((Pipe.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    Pipe.exit(withError: error)
}
