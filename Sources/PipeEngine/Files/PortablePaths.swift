import Foundation

/// Writes absolute paths in the form pipe stores them in keys, state files and manifests, so that a moved
/// checkout or store still finds them, and reads them back.
///
/// A path inside the store becomes `store:` followed by its path relative to the store; any other path becomes
/// relative to `base` (the pipeline file's folder) when the two share a folder below `/`, and stays absolute
/// otherwise (a dataset on another disk does not move with the checkout).
public struct PortablePaths: Sendable, Equatable {
    public static let storePrefix = "store:"
    public var base: URL
    public var store: URL?

    public init(base: URL, store: URL?) {
        self.base = base.standardizedFileURL
        self.store = store?.standardizedFileURL
    }

    /// The stored form of the absolute `path`.
    public func portable(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        if let store, let inside = Self.below(path, folder: store.path) { return Self.storePrefix + inside }
        return Self.relative(path, to: base.path) ?? path
    }

    /// The absolute path of a stored form written by `portable` (an absolute path is returned as it is).
    public func absolute(_ stored: String) -> String {
        if stored.hasPrefix("/") || stored.isEmpty { return stored }
        if stored.hasPrefix(Self.storePrefix), let store {
            let rest = String(stored.dropFirst(Self.storePrefix.count))
            return rest.isEmpty ? store.path : store.appendingPathComponent(rest).path
        }
        return base.appendingPathComponent(stored).standardizedFileURL.path
    }

    /// `path` relative to `folder` (with `..` as needed), or nil when they share no folder but `/`.
    public static func relative(_ path: String, to folder: String) -> String? {
        let target = path.split(separator: "/"), from = folder.split(separator: "/")
        var common = 0
        while common < min(target.count, from.count), target[common] == from[common] { common += 1 }
        guard common > 0 else { return nil }
        let parts = Array(repeating: "..", count: from.count - common) + target[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// The part of `path` below `folder`, or nil when it is not inside it.
    static func below(_ path: String, folder: String) -> String? {
        if path == folder { return "" }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
    }
}
