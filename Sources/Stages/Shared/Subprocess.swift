import Foundation
import PipeEngine
#if canImport(Glibc)
import Glibc
#endif

/// Runs a stage's shell command (or curl) in its own process group, with its output sent to files, and makes
/// sure nothing it started outlives pipe.
///
/// Its own group lets an interrupt reach the command's children too (`sh -c "sleep 9"`), and
/// posix_spawn avoids forking a threaded process. The group's leader is a watcher shell that blocks reading
/// a socket only pipe holds the other end of: when pipe exits, however it dies (even `kill -9`), the kernel
/// closes that end and the watcher kills the whole group, grandchildren included. A parent-death signal
/// (`PR_SET_PDEATHSIG`) would reach only the direct child, fires when the spawning thread ends rather than the
/// process, and needs code between fork and exec, which Foundation and posix_spawn do not offer.
enum Subprocess {
    struct Exit {
        var status: Int32
        var signal: Int32?
    }

    /// The watcher: waits for end-of-file on stdin, then kills its process group (itself included).
    static let watcherScript = "read line; kill -KILL 0"

    /// Runs `/bin/sh -c command` in `directory` and waits for it; what it leaves running is killed afterwards.
    static func shell(_ command: String, directory: URL, environment: [String: String],
                      stdout: URL, stderr: URL, context: StageContext) throws -> Exit {
        // `sh -c SCRIPT ARG0 ARG1`: the outer shell changes folder, then replaces itself with the command.
        try run(["/bin/sh", "-c", "cd -- \"$1\" || exit 127; exec /bin/sh -c \"$0\"", command, directory.path],
                environment: environment, stdout: stdout, stderr: stderr, context: context)
    }

    /// Runs `arguments` (the first an absolute path) with the watcher and waits for it, calling `whileRunning`
    /// every 0.2 s; an interrupt of `context` reaches it and what it leaves running is killed afterwards.
    static func run(_ arguments: [String], environment: [String: String], stdout: URL, stderr: URL,
                    context: StageContext?, whileRunning: (() -> Void)? = nil) throws -> Exit {
        var lifeline: [Int32] = [-1, -1]
        // Close-on-exec from the start, so no command of a parallel stage inherits pipe's end.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &lifeline) == 0 else {
            throw EngineError.stageFailed(stage: "", reason: "cannot start \(arguments[0]): \(String(cString: strerror(errno)))")
        }
        let watcher: pid_t
        do {
            watcher = try spawn(["/bin/sh", "-c", watcherScript], environment: [], group: 0,
                                stdin: .descriptor(lifeline[0]), stdout: "/dev/null", stderr: "/dev/null")
        } catch {
            close(lifeline[0])
            close(lifeline[1])
            throw error
        }
        close(lifeline[0])
        defer {
            // Closing pipe's end wakes the watcher, which kills whatever the command left behind.
            close(lifeline[1])
            _ = wait(for: watcher)
        }
        let pid = try spawn(arguments, environment: environment.map { "\($0.key)=\($0.value)" }, group: watcher,
                            stdin: .path("/dev/null"), stdout: stdout.path, stderr: stderr.path)
        // Adopted once the command is in the group, so an interrupt that came earlier still reaches it.
        context?.adopt(processGroup: watcher)
        defer { context?.release(processGroup: watcher) }
        guard let waitStatus = wait(for: pid, tick: whileRunning) else {
            throw EngineError.stageFailed(stage: "", reason: "lost track of \(arguments[0]) (waitpid failed)")
        }
        let signal = waitStatus & 0x7f
        if signal != 0 { return Exit(status: -1, signal: signal) }
        return Exit(status: (waitStatus >> 8) & 0xff, signal: nil)
    }

    enum Input {
        case path(String)
        case descriptor(Int32)
    }

    /// Starts `arguments` in process group `group` (0: a new group led by the child) with default signal handling.
    private static func spawn(_ arguments: [String], environment: [String], group: pid_t,
                              stdin: Input, stdout: String, stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        switch stdin {
        case .path(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        sigaddset(&defaultSignals, SIGHUP)
        sigaddset(&defaultSignals, SIGPIPE)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, group)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else {
            throw EngineError.stageFailed(stage: "", reason: "cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Waits for `pid` to end and returns its wait status, calling `tick` every 0.2 s meanwhile; nil when it
    /// cannot be waited for.
    private static func wait(for pid: pid_t, tick: (() -> Void)? = nil) -> Int32? {
        var waitStatus: Int32 = 0
        while true {
            let result = waitpid(pid, &waitStatus, tick == nil ? 0 : WNOHANG)
            if result == pid { return waitStatus }
            if result < 0, errno != EINTR { return nil }
            if result == 0, let tick {
                tick()
                usleep(200_000)
            }
        }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
