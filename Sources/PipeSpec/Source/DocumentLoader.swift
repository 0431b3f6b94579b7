import Foundation
import Yams

/// Reads a YAML (or JSON) file into a `SourceDocument`, turning every problem into a located diagnostic.
public enum DocumentLoader {
    /// The outcome of loading: a document when the text parsed, and what was wrong either way.
    public struct Result: Sendable {
        public var document: SourceDocument?
        public var diagnostics: [Diagnostic]
    }

    /// Loads the file at `path`; `displayPath` is how diagnostics name it.
    public static func load(path: String, displayPath: String? = nil, limits: InputLimits = .standard) -> Result {
        let shown = displayPath ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return failure(shown, nil, "no such file; check the path")
        }
        guard !isDirectory.boolValue else { return failure(shown, nil, "is a folder, not a YAML file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxBytes {
            return tooLarge(shown, size, limits)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return failure(shown, nil, "cannot read the file; check its permissions")
        }
        return load(data: data, displayPath: shown, limits: limits)
    }

    /// Loads YAML from bytes already read.
    public static func load(data: Data, displayPath: String, limits: InputLimits = .standard) -> Result {
        if data.count > limits.maxBytes { return tooLarge(displayPath, data.count, limits) }
        let bytes = [UInt8](data)
        if let nul = bytes.firstIndex(of: 0) {
            return failure(displayPath, .of(byteOffset: nul, in: bytes),
                           "this is a binary file (it contains NUL bytes), not YAML text")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8(bytes)
            return failure(displayPath, .of(byteOffset: offset, in: bytes),
                           "the file is not valid UTF-8 text; save it as UTF-8")
        }
        return load(text: text, displayPath: displayPath, limits: limits)
    }

    /// Loads YAML text.
    public static func load(text: String, displayPath: String, limits: InputLimits = .standard) -> Result {
        if text.utf8.count > limits.maxBytes { return tooLarge(displayPath, text.utf8.count, limits) }
        if isBlank(text) {
            return failure(displayPath, .start, "the file is empty; a pipeline needs at least `name` and `stages`")
        }
        do {
            try YAMLShapeCheck(limits: limits).check(text)
        } catch {
            return failure(displayPath, error.location, error.message)
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return Result(document: nil, diagnostics: [YAMLErrorTranslator.diagnostic(for: error, text: text, file: displayPath)])
        } catch {
            return failure(displayPath, .start, "cannot parse YAML: \(error)")
        }
        guard let node else {
            return failure(displayPath, .start, "the file holds no YAML value")
        }
        var builder = ValueBuilder(file: displayPath)
        let value = builder.convert(node, at: .root)
        let document = SourceDocument(path: displayPath, value: value,
                                      valueLocations: builder.valueLocations, keyLocations: builder.keyLocations)
        return Result(document: document, diagnostics: builder.diagnostics)
    }

    private static func tooLarge(_ file: String, _ size: Int, _ limits: InputLimits) -> Result {
        failure(file, nil, "the file is \(size) bytes, more than the \(limits.maxBytes) a pipeline or document may have; is it the right file?")
    }

    private static func failure(_ file: String, _ location: SourceLocation?, _ message: String) -> Result {
        Result(document: nil, diagnostics: [Diagnostic(file: file, location: location, message: message)])
    }

    /// True for text with nothing but blank lines, comments and document markers.
    private static func isBlank(_ text: String) -> Bool {
        text.split(whereSeparator: \.isNewline).allSatisfy { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed == "---" || trimmed == "..."
        }
    }

    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }
}
