import Foundation
import PipeEngine
#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command in its own process group, with its output sent to files.
///
/// Its own group lets an interrupt reach the command's children too (`sh -c "sleep 9"`), and
/// posix_spawn avoids forking a threaded process.
enum Subprocess {
    struct Exit {
        var status: Int32
        var signal: Int32?
    }

    /// Runs `/bin/sh -c command` in `directory` and waits for it.
    static func shell(_ command: String, directory: URL, environment: [String: String],
                      stdout: URL, stderr: URL, context: StageContext) throws -> Exit {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        sigaddset(&defaultSignals, SIGPIPE)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // `sh -c SCRIPT ARG0 ARG1`: the outer shell changes folder, then replaces itself with the command.
        let arguments = ["/bin/sh", "-c", "cd -- \"$1\" || exit 127; exec /bin/sh -c \"$0\"", command, directory.path]
        let environmentLines = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environmentLines) { envp in
                posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else {
            throw EngineError.stageFailed(stage: "", reason: "cannot start /bin/sh: \(String(cString: strerror(status)))")
        }
        context.adopt(processGroup: pid)
        defer { context.release(processGroup: pid) }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 {
            if errno != EINTR { throw EngineError.stageFailed(stage: "", reason: "lost track of the command (waitpid failed)") }
        }
        let signal = waitStatus & 0x7f
        if signal != 0 { return Exit(status: -1, signal: signal) }
        return Exit(status: (waitStatus >> 8) & 0xff, signal: nil)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
