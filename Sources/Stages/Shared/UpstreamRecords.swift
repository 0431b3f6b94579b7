import Foundation

/// The data stages' records that later stages pass along unchanged, so that `evaluate` and `report`, which
/// see only their direct `needs`, can show what ingest skipped and how balance changed the classes.
enum UpstreamRecords {
    static let files = ["ingest.json", "balance.json"]

    /// Copies each record found in an input folder (the first by stage name) into `output`, unless one is there.
    static func carry(from inputs: [String: URL], to output: URL) throws {
        for file in files where !FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path) {
            guard let source = inputs.sorted(by: { $0.key < $1.key }).map({ $0.value.appendingPathComponent(file) })
                .first(where: { FileManager.default.fileExists(atPath: $0.path) }) else { continue }
            do {
                try FileManager.default.copyItem(at: source, to: output.appendingPathComponent(file))
            } catch {
                throw StageError.cannotWrite(output.appendingPathComponent(file).path)
            }
        }
    }
}
