import Foundation

/// What a synthetic generator wrote.
public struct SyntheticSummary: Sendable, Equatable {
    /// The dataset folder (give it to the adapter).
    public var root: URL
    /// Every data file written, relative to `root`, sorted (`synthesis.json` left out).
    public var files: [String]
    /// Number of images (crops and masks not counted).
    public var images: Int
    /// The preset the images were drawn at.
    public var difficulty: SyntheticDifficulty = .easy
    /// Images painted with the other class's morphology while named as their patient's class, relative to `root`.
    public var flipped: [String] = []

    /// The name of the record `writeRecord` leaves at the top of the dataset folder.
    public static let recordName = "synthesis.json"

    /// What `synthesis.json` holds: the preset, its settings, and the images with flipped labels.
    public struct Record: Codable, Sendable, Equatable {
        public var difficulty: SyntheticDifficulty
        public var overlap: Double
        public var variation: Double
        /// The label-noise rate asked for.
        public var labelNoise: Double
        public var images: Int
        /// The images whose label is wrong, relative to the dataset folder.
        public var flipped: [String]
        public var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case difficulty, overlap, variation, images, flipped, seed
            case labelNoise = "label_noise"
        }
    }

    /// Writes `synthesis.json` into `root`, so that ingest and the report can state the label noise.
    func writeRecord(seed: UInt64) throws(DatasetError) {
        let record = Record(difficulty: difficulty, overlap: difficulty.overlap, variation: difficulty.variation,
                            labelNoise: difficulty.labelNoise, images: images, flipped: flipped, seed: seed)
        let url = root.appendingPathComponent(Self.recordName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(record).write(to: url) } catch {
            throw .writeFailed(file: url.path, detail: error.localizedDescription)
        }
    }

    /// The record in a dataset folder, nil when it has none (real data) or it cannot be read.
    public static func record(in root: URL) -> Record? {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(recordName).path) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }
}
