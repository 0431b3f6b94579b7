import Foundation

/// One HTTP download into a partial file with the `curl` command, asking only for the missing bytes when the
/// file already has some (`-C -`); a transfer that stalls for `timeout` seconds ends as interrupted.
///
/// curl runs only when something is downloaded, so pipe itself does not load an HTTP stack at start-up.
struct HTTPFileTransfer {
    let url: URL
    let destination: URL
    let timeout: TimeInterval
    let progress: @Sendable (Int64, Int64?) -> Void

    /// Downloads until the file is complete; throws with what to do when the server or network fails.
    func run() throws {
        let have = Self.size(of: destination)
        let total = try? remoteSize()
        let (exit, written, message) = try Self.curl(["--silent", "--show-error", "--location", "--fail", "--connect-timeout", "\(Int(timeout))",
                                                      "--speed-limit", "1", "--speed-time", "\(Int(timeout))", "-C", "-", "-o", destination.path, "-w", "%{http_code}", url.absoluteString]) { [destination, progress] in
            progress(Self.size(of: destination), total)
        }
        let status = Int(written) ?? 0
        let received = Self.size(of: destination)
        progress(received, total)
        switch exit.signal == nil ? exit.status : -1 {
        case 0:
            return
        case 22 where status == 416:
            // The partial file already holds everything the server has; the digest check decides.
            return
        case 22:
            throw ImportWeightsError.server(url: url.absoluteString, status: status)
        case 127:
            throw ImportWeightsError.interrupted(url: url.absoluteString, received: have, expected: total,
                                                 reason: "cannot start curl (install it with apt-get install curl)")
        default:
            throw ImportWeightsError.interrupted(url: url.absoluteString, received: received, expected: total,
                                                 reason: message.isEmpty ? "curl exited with status \(exit.status)" : message)
        }
    }

    /// The file's size from a HEAD request, when the server says.
    private func remoteSize() throws -> Int64? {
        let (exit, headers, _) = try Self.curl(["--silent", "--location", "--head", "--fail", "--connect-timeout", "\(Int(timeout))",
                                        "--max-time", "\(Int(timeout))", url.absoluteString])
        guard exit.status == 0, exit.signal == nil else { return nil }
        let lengths = headers.split(whereSeparator: \.isNewline).compactMap { line -> Int64? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int64(parts[1].trimmingCharacters(in: .whitespaces))
        }
        return lengths.last
    }

    /// Runs curl so that it dies with pipe (see `Subprocess`); returns how it ended and its stdout and stderr.
    private static func curl(_ arguments: [String], whileRunning: (() -> Void)? = nil) throws -> (Subprocess.Exit, String, String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-curl-\(getpid())-\(UUID().uuidString.prefix(8))")
        let out = base.appendingPathExtension("out"), err = base.appendingPathExtension("err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let exit = try Subprocess.run(["/usr/bin/env", "curl"] + arguments, environment: ProcessInfo.processInfo.environment,
                                      stdout: out, stderr: err, context: nil, whileRunning: whileRunning)
        let text = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        return (exit, text(out), text(err))
    }

    static func size(of file: URL) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64) ?? 0
    }
}
