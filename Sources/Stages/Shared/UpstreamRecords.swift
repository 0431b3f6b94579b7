import Foundation

/// The data stages' records that later stages pass along unchanged, so that `evaluate` and `report`, which
/// see only their direct `needs`, can show what ingest skipped and how balance changed the classes.
enum UpstreamRecords {
    static let files = ["ingest.json", "balance.json"]

    /// Copies each record the manifest's folder holds into `output`, unless one is there.
    static func carry(from manifestFolder: URL, to output: URL) throws {
        for file in files where !FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path) {
            let source = manifestFolder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            do {
                try FileManager.default.copyItem(at: source, to: output.appendingPathComponent(file))
            } catch {
                throw StageError.cannotWrite(output.appendingPathComponent(file).path)
            }
        }
    }
}
