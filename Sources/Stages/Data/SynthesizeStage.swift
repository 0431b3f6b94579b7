import Datasets
import Foundation
import PipeEngine
import PipeSpec

/// The `synthesize` kind: writes a synthetic BreakHis or CBIS-DDSM in the real layout, from the pipeline seed.
public struct SynthesizeStage: StageKind {
    public let name = "synthesize"
    public let version = 1

    public init() {}

    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan { .allCores }

    public func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws {
        let p = StageParameters(stage)
        let seed = UInt64(context.pipeline.seed)
        let summary: SyntheticSummary
        switch p.string("dataset") {
        case "cbis-ddsm":
            summary = try SyntheticCBISDDSM(patients: p.int("patients") ?? 20, imagesPerPatient: p.int("images_per_patient") ?? 4,
                                            width: p.int("width") ?? 320, height: p.int("height") ?? 512, seed: seed)
                .write(to: context.output)
        default:
            summary = try SyntheticBreakHis(patients: p.int("patients") ?? 20, imagesPerPatient: p.int("images_per_patient") ?? 10,
                                            magnifications: p.ints("magnifications") ?? [40, 100, 200, 400],
                                            width: p.int("width") ?? 700, height: p.int("height") ?? 460, seed: seed)
                .write(to: context.output)
        }
        struct Summary: Encodable {
            var dataset: String
            var images: Int
            var files: Int
            var seed: Int
        }
        try JSONFile.write(Summary(dataset: p.string("dataset") ?? "breakhis", images: summary.images, files: summary.files.count,
                                   seed: context.pipeline.seed),
                           to: context.work.appendingPathComponent("synthesize.json"))
    }
}
