import Foundation

/// Finds pipe's JSON Schemas on disk and compiles each once: the pipeline schema and one per stage kind.
public final class SchemaCatalog: @unchecked Sendable {
    /// The `schemas` folder holding `pipeline.schema.json` and `stages/<kind>.schema.json`.
    public let directory: String
    private let registry: SchemaRegistry
    private let lock = NSLock()
    private var compiled: [String: Schema] = [:]

    public init(directory: String) {
        self.directory = directory
        self.registry = SchemaRegistry(loader: { uri in
            guard let url = URL(string: uri), url.isFileURL, let data = FileManager.default.contents(atPath: url.path) else {
                return nil
            }
            return try JSONValue.parse(data)
        })
    }

    /// The catalog of the schemas shipped with this pipe: `$PIPE_SCHEMAS`, else `schemas/` (or
    /// `share/pipe/schemas/`) in a folder above the executable, else above the current folder.
    public static func shipped() throws -> SchemaCatalog {
        if let env = ProcessInfo.processInfo.environment["PIPE_SCHEMAS"], !env.isEmpty {
            guard FileManager.default.fileExists(atPath: env + "/pipeline.schema.json") else {
                throw SpecError.schemasVariableWrong(path: env)
            }
            return SchemaCatalog(directory: env)
        }
        var searched: [String] = []
        let starts = [executableDirectory(), FileManager.default.currentDirectoryPath].compactMap { $0 }
        for start in starts {
            var dir = URL(fileURLWithPath: start)
            for _ in 0..<8 {
                for candidate in ["schemas", "share/pipe/schemas"] {
                    let folder = dir.appendingPathComponent(candidate).path
                    if FileManager.default.fileExists(atPath: folder + "/pipeline.schema.json") {
                        return SchemaCatalog(directory: folder)
                    }
                }
                searched.append(dir.path)
                dir.deleteLastPathComponent()
            }
        }
        throw SpecError.schemasNotFound(searched: Array(searched.prefix(3)) + (searched.count > 3 ? ["..."] : []))
    }

    private static func executableDirectory() -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return Bundle.main.executablePath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        }
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    public var pipelineSchemaPath: String { directory + "/pipeline.schema.json" }

    public func stageSchemaPath(kind: String) -> String { directory + "/stages/\(kind).schema.json" }

    /// The compiled schema for whole pipeline files, its `kind` limited to the kinds that have a schema.
    public func pipelineSchema() throws -> Schema {
        let path = pipelineSchemaPath
        lock.lock()
        let cached = compiled[path]
        lock.unlock()
        if let cached { return cached }
        let kinds = try kinds()
        guard let data = FileManager.default.contents(atPath: path), var json = try? JSONValue.parse(data) else {
            throw SpecError.schemaUnusable(path: path, reason: "cannot read it as JSON")
        }
        json = Self.setting(.array(kinds.map(JSONValue.string)), at: Self.kindEnum, in: json)
        lock.lock()
        defer { lock.unlock() }
        do {
            let schema = try registry.load(json, baseURI: URL(fileURLWithPath: path).standardizedFileURL.absoluteString)
            compiled[path] = schema
            return schema
        } catch let error as SchemaError {
            throw SpecError.schemaUnusable(path: path, reason: error.description)
        }
    }

    /// The compiled schema for the `with` block of `kind`.
    public func stageSchema(kind: String) throws -> Schema {
        let path = stageSchemaPath(kind: kind)
        guard FileManager.default.fileExists(atPath: path) else { throw SpecError.unknownKind(kind, known: try kinds()) }
        return try schema(at: path)
    }

    /// The stage kinds, sorted: one per `stages/<kind>.schema.json`, so a new kind needs no other registration here.
    public func kinds() throws -> [String] {
        let folder = directory + "/stages"
        let suffix = ".schema.json"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw SpecError.schemaUnusable(path: folder, reason: "cannot read the folder")
        }
        let kinds = names.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
        guard !kinds.isEmpty else { throw SpecError.schemaUnusable(path: folder, reason: "it holds no <kind>.schema.json") }
        return kinds
    }

    /// Where the pipeline schema lists the kinds.
    private static let kindEnum = ["$defs", "stage", "properties", "kind", "enum"]

    private static func setting(_ value: JSONValue, at path: ArraySlice<String>, in json: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var object = json.objectValue ?? [:]
        object[key] = setting(value, at: path.dropFirst(), in: object[key] ?? .object([:]))
        return .object(object)
    }

    private static func setting(_ value: JSONValue, at path: [String], in json: JSONValue) -> JSONValue {
        setting(value, at: path[...], in: json)
    }

    /// Compiles (once) the schema file at `path`.
    public func schema(at path: String) throws -> Schema {
        lock.lock()
        defer { lock.unlock() }
        if let schema = compiled[path] { return schema }
        do {
            let schema = try registry.load(file: path)
            compiled[path] = schema
            return schema
        } catch let error as SchemaError {
            throw SpecError.schemaUnusable(path: path, reason: error.description)
        }
    }
}
