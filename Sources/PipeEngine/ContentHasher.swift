import Crypto
import Foundation
import PipeBase

/// Computes SHA-256 content hashes of files, streaming them in fixed-size chunks.
public enum ContentHasher {
    static let chunkSize = 1 << 20

    /// The lowercase hex SHA-256 of the file at `path`.
    public static func sha256(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EngineError.unreadable(path: path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    /// The lowercase hex SHA-256 of `data`.
    public static func sha256(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    /// The SHA-256 of each file, read on all cores; nil for a file that cannot be read.
    public static func sha256(files paths: [String]) -> [String?] {
        guard !paths.isEmpty else { return [] }
        let slots = ParallelResults<String>(count: paths.count)
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, paths.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: paths.count, by: workers) {
                if let hash = try? sha256(file: paths[i]) { slots.set(i, hash) }
            }
        }
        return slots.values
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
