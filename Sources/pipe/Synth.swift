import ArgumentParser
import Datasets
import Foundation
import Stages

/// Writes a synthetic dataset in a real dataset's layout, as the `synthesize` stage does.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic BreakHis or CBIS-DDSM dataset in the real layout and file names.")

    @Argument(help: "breakhis or cbis-ddsm.")
    var dataset: SynthesizeParameters.Dataset

    @Option(help: ArgumentHelp("The folder to write into (created if missing).", valueName: "DIR"))
    var out: String

    @Option(help: "Number of patients (default as the synthesize stage's).")
    var patients: Int?

    @Option(name: .customLong("images-per-patient"), help: "Images per patient, per magnification for BreakHis (default as the synthesize stage's).")
    var imagesPerPatient: Int?

    @Option(help: "Image width in pixels (BreakHis default 700, CBIS-DDSM 320).")
    var width: Int?

    @Option(help: "Image height in pixels (BreakHis default 460, CBIS-DDSM 512).")
    var height: Int?

    @Option(help: "easy, moderate or hard (BreakHis only): overlapping morphology, stain and scanner variation, label noise.")
    var difficulty: SyntheticDifficulty = .easy

    @Option(help: "The seed; the same seed writes the same bytes.")
    var seed: UInt64 = 0

    func validate() throws {
        if let patients, patients < 2 { throw ValidationError("--patients must be at least 2") }
        if let imagesPerPatient, imagesPerPatient < 1 { throw ValidationError("--images-per-patient must be at least 1") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        let started = Date()
        let summary = try Terminal.orFail { () throws -> SyntheticSummary in
            var p = SynthesizeParameters(dataset: dataset)
            p.patients = patients ?? p.patients
            p.imagesPerPatient = imagesPerPatient ?? p.imagesPerPatient
            p.width = width
            p.height = height
            switch dataset {
            case .breakhis:
                return try SyntheticBreakHis(patients: p.patients, imagesPerPatient: p.imagesPerPatient, magnifications: p.magnifications,
                                             width: p.size.width, height: p.size.height, seed: seed, difficulty: difficulty).write(to: folder)
            case .cbisDDSM:
                return try SyntheticCBISDDSM(patients: p.patients, imagesPerPatient: p.imagesPerPatient,
                                             width: p.size.width, height: p.size.height, seed: seed).write(to: folder)
            }
        }
        let noise = summary.flipped.isEmpty ? "" : ", \(summary.flipped.count) with flipped labels (listed in \(SyntheticSummary.recordName))"
        print("wrote \(summary.images) images (\(summary.files.count) files) below \(summary.root.path) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s\(noise)")
    }
}
extension SynthesizeParameters.Dataset: ExpressibleByArgument {}
extension SyntheticDifficulty: ExpressibleByArgument {}
