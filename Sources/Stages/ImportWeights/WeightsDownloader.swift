import Crypto
import Foundation

/// Fetches a weights file over HTTP (with curl) into a cache folder, resuming partial downloads and checking its digest.
///
/// Bytes go to `<name>.part` as they arrive; a rerun asks the server for the rest (`Range`). Only a file
/// whose digest matches is renamed to its final name; a mismatch deletes it.
public struct WeightsDownloader: Sendable {
    public enum Digest: Sendable, Equatable {
        case md5(String)
        case sha256(String)
        /// The first hex digits of the SHA-256, as torch.hub checks the `<name>-<hex>.pth` files.
        case sha256Prefix(String)

        /// A 32-digit hex digest is MD5 and a 64-digit one SHA-256, as Keras's `file_hash` is read.
        public init?(hex: String) {
            let lower = hex.lowercased()
            guard lower.allSatisfy(\.isHexDigit) else { return nil }
            switch lower.count {
            case 32: self = .md5(lower)
            case 64: self = .sha256(lower)
            default: return nil
            }
        }

        /// What the digest should be, for messages.
        var expected: String {
            switch self {
            case .md5(let h), .sha256(let h): h
            case .sha256Prefix(let h): "SHA-256 starting \(h)"
            }
        }

        /// Whether `hex`, a digest of this kind, is the expected one.
        func matches(_ hex: String) -> Bool {
            switch self {
            case .md5(let h), .sha256(let h): hex == h
            case .sha256Prefix(let h): hex.hasPrefix(h)
            }
        }
    }

    public var timeout: TimeInterval = 60

    public init() {}

    /// The file at `folder/name`: reused when it is already there with the right digest, else downloaded.
    public func fetch(_ url: URL, name: String, into folder: URL, digest: Digest,
                      progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }) throws -> URL {
        let target = folder.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) {
            let found = try Self.digest(of: target, like: digest)
            if digest.matches(found) { return target }
            throw ImportWeightsError.digestMismatch(file: target.path, expected: digest.expected, found: found, deleted: false)
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ImportWeightsError.cannotWrite(folder.path)
        }
        let partial = folder.appendingPathComponent(name + ".part")
        try HTTPFileTransfer(url: url, destination: partial, timeout: timeout, progress: progress).run()
        let found = try Self.digest(of: partial, like: digest)
        guard digest.matches(found) else {
            try? FileManager.default.removeItem(at: partial)
            throw ImportWeightsError.digestMismatch(file: url.absoluteString, expected: digest.expected, found: found, deleted: true)
        }
        guard (try? FileManager.default.moveItem(at: partial, to: target)) != nil else {
            throw ImportWeightsError.cannotWrite(target.path)
        }
        return target
    }

    /// The hex digest of a file, of the same kind as `like` (a whole SHA-256 for a prefix).
    static func digest(of file: URL, like kind: Digest) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: file) else { throw ImportWeightsError.cannotRead(file.path) }
        defer { try? handle.close() }
        var md5 = Insecure.MD5()
        var sha = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            if case .md5 = kind { md5.update(data: chunk) } else { sha.update(data: chunk) }
        }
        let bytes: [UInt8] = if case .md5 = kind { Array(md5.finalize()) } else { Array(sha.finalize()) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
