import Foundation

/// Debian's `chromium` run headless for a test and driven over the Chrome DevTools Protocol on a pipe
/// (`--remote-debugging-pipe`): JSON messages ended by a NUL byte, written to the browser's descriptor 3 and
/// read from its descriptor 4. Every wait has a deadline, so a hung browser fails the test instead of stalling
/// the suite; `close()` (also run on deinit) kills the browser's whole process group.
final class HeadlessChromium {
    static let executable = "/usr/bin/chromium"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// A message the browser sent: a reply (`id`) or an event (`method`), for a page's session or the browser.
    struct Message {
        var id: Int?
        var method: String?
        var sessionID: String?
        var body: [String: Any]
        var params: [String: Any] { body["params"] as? [String: Any] ?? [:] }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let profile: URL
    let log: URL
    private let pid: pid_t
    var processID: pid_t { pid }
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer = Data()
    private var nextID = 0
    private var closed = false
    /// Events received while waiting for replies, oldest first; tests read and clear them.
    private(set) var events: [Message] = []

    /// Starts the browser; `command` replaces it (a test's stand-in for a browser that hangs).
    init(command: [String]? = nil) throws {
        signal(SIGPIPE, SIG_IGN)  // a browser that died makes writes fail with EPIPE instead of ending the test process
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        log = profile.appendingPathExtension("log")
        let commands = try Self.pipe(), replies = try Self.pipe()
        let arguments = command ?? [Self.executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                         "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check", "about:blank"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, commands.read, 3)
        posix_spawn_file_actions_adddup2(&actions, replies.write, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), noSignal = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        sigemptyset(&noSignal)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &noSignal)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, environ)
        Glibc.close(commands.read)
        Glibc.close(replies.write)
        guard status == 0 else {
            Glibc.close(commands.write)
            Glibc.close(replies.read)
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        pid = child
        toBrowser = commands.write
        fromBrowser = replies.read
    }

    deinit { close() }

    /// A pipe whose ends sit above the descriptors a child maps (3 and 4) and close on exec, so the browser
    /// gets only the two ends the spawn maps.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        let moved = ends.map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        ends.forEach { Glibc.close($0) }
        return (moved[0], moved[1])
    }

    /// Sends a command and waits up to `timeout` seconds for its reply's `result`; a protocol error is thrown.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: TimeInterval = 20) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        try write(bytes)
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let reply = try receive(until: deadline, waitingFor: method)
            guard reply.id == nextID else {
                if reply.method != nil { events.append(reply) }
                continue
            }
            if let error = reply.body["error"] as? [String: Any] {
                throw Failure(description: "\(method) failed: \(error["message"] ?? error)")
            }
            return reply.body["result"] as? [String: Any] ?? [:]
        }
    }

    /// Waits up to `timeout` seconds for the event `method` of `session`, keeping every event received meanwhile.
    func waitFor(_ method: String, session: String?, timeout: TimeInterval = 20) throws -> Message {
        if let index = events.firstIndex(where: { $0.method == method && $0.sessionID == session }) { return events[index] }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let message = try receive(until: deadline, waitingFor: method)
            guard message.method != nil else { continue }
            events.append(message)
            if message.method == method && message.sessionID == session { return message }
        }
    }

    func clearEvents() { events.removeAll() }

    /// Kills the browser's process group, reaps it and removes its profile and log; safe to call twice.
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(toBrowser)
        Glibc.close(fromBrowser)
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        let deadline = Date(timeIntervalSinceNow: 10)
        while waitpid(pid, &status, WNOHANG) == 0, Date() < deadline { usleep(20_000) }
        try? FileManager.default.removeItem(at: profile)
        try? FileManager.default.removeItem(at: log)
    }

    /// The browser's own output, for a failure message.
    var logTail: String { String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(1_500).description }

    private func write(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(toBrowser, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "the browser stopped reading its commands (\(String(cString: strerror(errno)))); its log ends:\n\(logTail)")
                }
                offset += written
            }
        }
    }

    /// The next whole message, reading as needed until `deadline`.
    private func receive(until deadline: Date, waitingFor what: String) throws -> Message {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let text = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                let body = try JSONSerialization.jsonObject(with: text) as? [String: Any] ?? [:]
                return Message(id: body["id"] as? Int, method: body["method"] as? String, sessionID: body["sessionId"] as? String, body: body)
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "the browser did not answer \(what) in time; its log ends:\n\(logTail)") }
            var poller = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 1) * 1000) + 1)
            if ready < 0, errno != EINTR { throw Failure(description: "poll: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = read(fromBrowser, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "the browser closed its pipe while \(what) was pending; its log ends:\n\(logTail)") }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }
}
