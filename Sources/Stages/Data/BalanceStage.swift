import Datasets
import Foundation
import PipeBase
import PipeEngine
import PipeSpec

/// The `balance` kind: evens out the classes of the manifest.
///
/// `undersample` keeps a seeded random `per_class` rows of each class (default: the smallest class's count).
/// `oversample` and `class-weights` copy no image here: they add a `balance` column (`oversample`, or the
/// row's class weight) that `fine-tune` applies to training rows only, after the split, so no image is ever
/// copied into two splits.
public struct BalanceStage: TypedStageKind {
    public let name = "balance"
    public let version = 2
    public let produces = ArtifactKind.datasetManifest

    public init() {}

    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { [.one(.datasetManifest)] }

    public func run(_ stage: StageSpec, parameters p: BalanceParameters, plan: StagePlan, context: StageContext) throws {
        let input = try ManifestFile.input(.datasetManifest, of: context)
        var manifest = input.manifest
        let column = p.by
        guard manifest.columns.contains(column) else {
            throw StageError.misconfigured(stage: stage.name, reason: "the manifest has no column `\(column)`; columns: \(manifest.columns.joined(separator: ", "))")
        }
        let strategy = p.strategy
        let before = Dictionary(grouping: manifest.values(column), by: { $0 }).mapValues(\.count)
        if strategy == .undersample {
            let target = p.perClass ?? before.values.min() ?? 0
            for (value, count) in before.sorted(by: { $0.key < $1.key }) where count < target {
                context.note("class `\(value)` has only \(count) rows, fewer than per_class \(target); all are kept")
            }
            var random = SeededRandom(seed: UInt64(context.pipeline.seed), 0xBA1A)
            var keep = Set<Int>()
            for value in before.keys.sorted() {
                var rows = manifest.rows.indices.filter { manifest.rows[$0].value(of: column) == value }
                rows.shuffle(using: &random)
                keep.formUnion(rows.prefix(target))
            }
            manifest.rows = manifest.rows.indices.filter(keep.contains).map { manifest.rows[$0] }
        }
        let after = Dictionary(grouping: manifest.values(column), by: { $0 }).mapValues(\.count)
        let largest = Double(after.values.max() ?? 1)
        if strategy != .undersample {
            manifest.addColumn(.balance)
            for index in manifest.rows.indices {
                let value = manifest.rows[index].value(of: column)
                manifest.rows[index].balance = strategy == .oversample ? "oversample" : String(largest / Double(after[value] ?? 1))
            }
        }
        struct Summary: Encodable {
            var strategy: String
            var by: String
            var before: [String: Int]
            var after: [String: Int]
            /// Weight per class that evens out the classes' total weight (`class-weights`).
            var weights: [String: Double]
        }
        try manifest.write(to: context.output, paths: context.pipeline.paths)
        try UpstreamRecords.carry(from: input.folder, to: context.output)
        try JSONFile.write(Summary(strategy: strategy.rawValue, by: column, before: before, after: after,
                                   weights: after.mapValues { largest / Double($0) }),
                           to: context.output.appendingPathComponent("balance.json"))
    }
}
