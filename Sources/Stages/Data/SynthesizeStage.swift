import Datasets
import Foundation
import PipeEngine
import PipeSpec

/// The `synthesize` kind: writes a synthetic BreakHis or CBIS-DDSM in the real layout, from the pipeline seed.
public struct SynthesizeStage: TypedStageKind {
    public let name = "synthesize"
    public let version = 1
    public let produces = ArtifactKind.datasetFolder

    public init() {}

    public func plan(_ stage: StageSpec, parameters: SynthesizeParameters, pipeline: PipelineContext) throws -> StagePlan { .allCores }

    public func run(_ stage: StageSpec, parameters p: SynthesizeParameters, plan: StagePlan, context: StageContext) throws {
        let seed = UInt64(context.pipeline.seed)
        let summary: SyntheticSummary
        switch p.dataset {
        case .cbisDDSM:
            summary = try SyntheticCBISDDSM(patients: p.patients, imagesPerPatient: p.imagesPerPatient,
                                            width: p.size.width, height: p.size.height, seed: seed)
                .write(to: context.output)
        case .breakhis:
            summary = try SyntheticBreakHis(patients: p.patients, imagesPerPatient: p.imagesPerPatient, magnifications: p.magnifications,
                                            width: p.size.width, height: p.size.height, seed: seed, difficulty: p.difficulty)
                .write(to: context.output)
        }
        struct Summary: Encodable {
            var dataset: String
            var images: Int
            var files: Int
            var seed: Int
            var difficulty: String
            var flippedLabels: Int

            enum CodingKeys: String, CodingKey {
                case dataset, images, files, seed, difficulty
                case flippedLabels = "flipped_labels"
            }
        }
        try JSONFile.write(Summary(dataset: p.dataset.rawValue, images: summary.images, files: summary.files.count,
                                   seed: context.pipeline.seed, difficulty: summary.difficulty.rawValue, flippedLabels: summary.flipped.count),
                           to: context.work.appendingPathComponent("synthesize.json"))
    }
}
