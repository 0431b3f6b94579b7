import Crypto
import Foundation
import PipeSpec

/// Everything a stage's cache key is made of; the key is the SHA-256 of its canonical JSON.
public struct KeyParts: Codable, Equatable, Sendable {
    public var kind: String
    public var version: Int
    /// Canonical JSON of the resolved `with` parameters.
    public var params: String
    public var seed: Int
    /// Upstream stage name to its output hash.
    public var upstream: [String: String]
    /// External input path to its content hash.
    public var inputs: [String: String]

    public init(kind: String, version: Int, params: JSONValue, seed: Int, upstream: [String: String], inputs: [String: String]) {
        self.kind = kind
        self.version = version
        self.params = params.canonicalText
        self.seed = seed
        self.upstream = upstream
        self.inputs = inputs
    }

    /// The stage key: lowercase hex SHA-256.
    public var key: String {
        let document: JSONValue = .object([
            "kind": .string(kind), "version": .number(Double(version)), "params": .string(params),
            "seed": .number(Double(seed)),
            "upstream": .object(upstream.mapValues { .string($0) }),
            "inputs": .object(inputs.mapValues { .string($0) }),
        ])
        return ContentHasher.sha256(Data(document.canonicalText.utf8))
    }

    /// Why `self` differs from `previous`, as short phrases for `pipe status`.
    public func differences(from previous: KeyParts) -> [String] {
        var reasons: [String] = []
        if kind != previous.kind { reasons.append("kind changed: \(previous.kind) -> \(kind)") }
        if version != previous.version { reasons.append("code version bumped: \(previous.version) -> \(version)") }
        if params != previous.params {
            let old = (try? JSONValue.parse(Data(previous.params.utf8))) ?? .null
            let new = (try? JSONValue.parse(Data(params.utf8))) ?? .null
            reasons += ParamDiff.changes(from: old, to: new, at: JSONPath.root.appending("with"))
        }
        if seed != previous.seed { reasons.append("seed changed: \(previous.seed) -> \(seed)") }
        for name in Set(upstream.keys).union(previous.upstream.keys).sorted() where upstream[name] != previous.upstream[name] {
            reasons.append("upstream `\(name)` output changed")
        }
        for path in Set(inputs.keys).union(previous.inputs.keys).sorted() where inputs[path] != previous.inputs[path] {
            reasons.append(previous.inputs[path] == nil ? "new input \(path)" : inputs[path] == nil ? "input \(path) no longer read" : "input \(path) changed")
        }
        return reasons
    }
}
