import Foundation

/// Writes a stage's summary files (`ingest.json`, `split.json`, ...) as readable, key-sorted JSON.
///
/// A NaN or infinite number is an error: JSON cannot hold one, and `JSONEncoder` refuses it.
enum JSONFile {
    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch EncodingError.invalidValue(let bad, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw StageError.badInput(file: url.path, reason: "not written: \(path.isEmpty ? "a value" : path) is \(bad), which JSON cannot hold (NaN or infinity)")
        } catch {
            throw StageError.badInput(file: url.path, reason: "not written: \(error)")
        }
        do {
            try data.write(to: url)
        } catch {
            throw StageError.cannotWrite(url.path)
        }
    }
}
