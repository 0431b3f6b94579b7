import Foundation

/// One HTTP download into a partial file with the `curl` command, asking only for the missing bytes when the
/// file already has some (`-C -`).
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--silent", "--show-error", "--location", "--fail", "--connect-timeout", "\(Int(timeout))",
                             "-C", "-", "-o", destination.path, "-w", "%{http_code}", url.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw ImportWeightsError.interrupted(url: url.absoluteString, received: have, expected: total,
                                                 reason: "cannot start curl (install it with apt-get install curl)")
        }
        let watcher = Thread { [destination, progress] in
            while process.isRunning {
                progress(Self.size(of: destination), total)
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        watcher.start()
        let status = Int(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) ?? 0
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        let received = Self.size(of: destination)
        progress(received, total)
        switch process.terminationStatus {
        case 0:
            return
        case 22 where status == 416:
            // The partial file already holds everything the server has; the digest check decides.
            return
        case 22:
            throw ImportWeightsError.server(url: url.absoluteString, status: status)
        default:
            throw ImportWeightsError.interrupted(url: url.absoluteString, received: received, expected: total,
                                                 reason: message.isEmpty ? "curl exited with status \(process.terminationStatus)" : message)
        }
    }

    /// The file's size from a HEAD request, when the server says.
    private func remoteSize() throws -> Int64? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--silent", "--location", "--head", "--fail", "--connect-timeout", "\(Int(timeout))", url.absoluteString]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let headers = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let lengths = headers.split(whereSeparator: \.isNewline).compactMap { line -> Int64? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int64(parts[1].trimmingCharacters(in: .whitespaces))
        }
        return lengths.last
    }

    static func size(of file: URL) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64) ?? 0
    }
}
