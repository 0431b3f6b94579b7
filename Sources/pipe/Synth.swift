import ArgumentParser
import Datasets
import Foundation

/// Writes a synthetic dataset in a real dataset's layout, as the `synthesize` stage does.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic BreakHis or CBIS-DDSM dataset in the real layout and file names.")

    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case breakhis
        case cbisDDSM = "cbis-ddsm"
    }

    @Argument(help: "breakhis or cbis-ddsm.")
    var dataset: Dataset

    @Option(help: ArgumentHelp("The folder to write into (created if missing).", valueName: "DIR"))
    var out: String

    @Option(help: "Number of patients.")
    var patients: Int = 20

    @Option(name: .customLong("images-per-patient"), help: "Images per patient (per magnification for BreakHis).")
    var imagesPerPatient: Int?

    @Option(help: "Image width in pixels (BreakHis default 700, CBIS-DDSM 320).")
    var width: Int?

    @Option(help: "Image height in pixels (BreakHis default 460, CBIS-DDSM 512).")
    var height: Int?

    @Option(help: "The seed; the same seed writes the same bytes.")
    var seed: UInt64 = 0

    func validate() throws {
        if patients < 2 { throw ValidationError("--patients must be at least 2") }
        if let imagesPerPatient, imagesPerPatient < 1 { throw ValidationError("--images-per-patient must be at least 1") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        let started = Date()
        let summary = try Terminal.orFail { () throws -> SyntheticSummary in
            switch dataset {
            case .breakhis:
                try SyntheticBreakHis(patients: patients, imagesPerPatient: imagesPerPatient ?? 10,
                                      width: width ?? 700, height: height ?? 460, seed: seed).write(to: folder)
            case .cbisDDSM:
                try SyntheticCBISDDSM(patients: patients, imagesPerPatient: imagesPerPatient ?? 4,
                                      width: width ?? 320, height: height ?? 512, seed: seed).write(to: folder)
            }
        }
        print("wrote \(summary.images) images (\(summary.files.count) files) below \(summary.root.path) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
