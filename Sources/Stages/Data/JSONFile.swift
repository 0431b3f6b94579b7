import Foundation

/// Writes a stage's summary files (`ingest.json`, `split.json`, ...) as readable, key-sorted JSON.
enum JSONFile {
    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(value).write(to: url)
        } catch {
            throw StageError.cannotWrite(url.path)
        }
    }
}
